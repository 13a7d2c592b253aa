using ApiLed.Gateway;
using ApiLed.ServiceDefaults.Hosting;

var builder = ServiceDefaultsExtensions.CreateBuilder(args);

builder.AddServiceDefaults("gateway");
builder.AddGatewayServices();

var app = builder.Build();

app.UseServiceDefaults();
app.UseMiddleware<RequestBodyLimit>();
app.MapDefaultEndpoints();
app.MapReverseProxy();

await app.RunAsync();
