using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace ApiLed.ServiceDefaults.Hosting;

/// <summary>Each service serves its own OpenAPI document at <c>/swagger/v1/swagger.json</c> and a Swagger UI at <c>/swagger</c>.</summary>
public static class OpenApiDefaults
{
    public static WebApplicationBuilder AddApiLedOpenApi(this WebApplicationBuilder builder, string title, string description,
        Action<Swashbuckle.AspNetCore.SwaggerGen.SwaggerGenOptions>? configure = null)
    {
        builder.Services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc("v1", new OpenApiInfo { Title = title, Version = "v1", Description = description });
            var xml = Path.Combine(AppContext.BaseDirectory, $"{System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name}.xml");
            if (File.Exists(xml))
            {
                options.IncludeXmlComments(xml);
            }

            configure?.Invoke(options);
        });
        return builder;
    }

    public static WebApplication UseApiLedOpenApi(this WebApplication app)
    {
        app.UseSwagger();
        app.UseSwaggerUI(o => o.DocumentTitle = "ApiLed");
        return app;
    }
}
