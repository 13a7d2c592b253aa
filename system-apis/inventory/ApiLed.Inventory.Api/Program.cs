using ApiLed.Inventory.Api;
using ApiLed.Inventory.Api.Apis;
using ApiLed.Sagas.Participants;
using ApiLed.ServiceDefaults.Hosting;

var builder = ServiceDefaultsExtensions.CreateBuilder(args);

builder.AddServiceDefaults("inventory-api");
builder.AddApiLedOpenApi("ApiLed Inventory system API",
    "System of record for stock and reservations. Internal: called by the process API, not routed to partners.");
builder.AddInventoryServices();
builder.AddChoreographyParticipant("inventory");

var app = builder.Build();

app.UseServiceDefaults();
app.UseApiLedOpenApi();
app.MapDefaultEndpoints();
app.MapStockApi();
app.MapReservationsApi();

await app.Services.GetRequiredService<InventoryStore>().InitializeAsync(CancellationToken.None);
await app.RunAsync();
