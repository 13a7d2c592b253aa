using ApiLed.Billing.Api;
using ApiLed.Billing.Api.Apis;
using ApiLed.Sagas.Participants;
using ApiLed.ServiceDefaults.Hosting;

var builder = ServiceDefaultsExtensions.CreateBuilder(args);

builder.AddServiceDefaults("billing-api");
builder.AddApiLedOpenApi("ApiLed Billing system API",
    "System of record for charges and refunds. Internal: called by the process API, not routed to partners.");
builder.AddBillingServices();
builder.AddChoreographyParticipant("billing");

var app = builder.Build();

app.UseServiceDefaults();
app.UseApiLedOpenApi();
app.MapDefaultEndpoints();
app.MapChargesApi();

await app.Services.GetRequiredService<BillingStore>().InitializeAsync(CancellationToken.None);
await app.RunAsync();
