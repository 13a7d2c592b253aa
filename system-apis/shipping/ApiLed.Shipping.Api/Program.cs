using ApiLed.Sagas.Participants;
using ApiLed.ServiceDefaults.Hosting;
using ApiLed.Shipping.Api;
using ApiLed.Shipping.Api.Apis;

var builder = ServiceDefaultsExtensions.CreateBuilder(args);

builder.AddServiceDefaults("shipping-api");
builder.AddApiLedOpenApi("ApiLed Shipping system API",
    "System of record for shipments. Internal: called by the process API, not routed to partners.");
builder.AddShippingServices();
builder.AddChoreographyParticipant("shipping");

var app = builder.Build();

app.UseServiceDefaults();
app.UseApiLedOpenApi();
app.MapDefaultEndpoints();
app.MapShipmentsApi();

await app.Services.GetRequiredService<ShippingStore>().InitializeAsync(CancellationToken.None);
await app.RunAsync();
