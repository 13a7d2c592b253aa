using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
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

    /// <summary>
    /// The document and the UI under <c>/swagger</c>, built on the first request there: until someone asks, none of
    /// Swashbuckle, the OpenAPI model or the XML comments is loaded (about 6 MB of a service's idle memory).
    /// </summary>
    public static WebApplication UseApiLedOpenApi(this WebApplication app)
    {
        var branch = new Lazy<RequestDelegate>(() =>
        {
            var swagger = ((IApplicationBuilder)app).New();
            swagger.UseSwagger();
            swagger.UseSwaggerUI(o => o.DocumentTitle = "ApiLed");
            swagger.Run(context =>
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
            return swagger.Build();
        }, LazyThreadSafetyMode.ExecutionAndPublication);
        app.Use((context, next) => context.Request.Path.StartsWithSegments("/swagger") ? branch.Value(context) : next(context));
        return app;
    }
}
