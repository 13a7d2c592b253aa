using ApiLed.Gateway;
using ApiLed.Gateway.Console;
using ApiLed.Gateway.OpenApi;
using ApiLed.Gateway.Partners;
using ApiLed.ServiceDefaults.Hosting;

var builder = ServiceDefaultsExtensions.CreateBuilder(args);

builder.AddServiceDefaults("gateway");
builder.AddPartnerAccess();
builder.AddGatewayServices();
builder.AddGatewayOpenApi();
builder.Services.AddValidatedOptions<OperatorConsoleOptions>(OperatorConsoleOptions.Section);

var app = builder.Build();

app.UseServiceDefaults();
app.UseMiddleware<ForwardableHeaders>();
app.UseGatewaySwaggerUi();
app.UseRouting();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
app.UseMiddleware<RequestBodyLimit>();
app.MapDefaultEndpoints();
app.MapGatewayOpenApi();
app.MapOperatorConsole();
app.MapReverseProxy();

await app.RunAsync();
