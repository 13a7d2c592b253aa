using ApiLed.Gateway;
using ApiLed.Gateway.OpenApi;
using ApiLed.Gateway.Partners;
using ApiLed.ServiceDefaults.Hosting;

var builder = ServiceDefaultsExtensions.CreateBuilder(args);

builder.AddServiceDefaults("gateway");
builder.AddPartnerAccess();
builder.AddGatewayServices();
builder.AddGatewayOpenApi();

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
app.MapReverseProxy();

await app.RunAsync();
