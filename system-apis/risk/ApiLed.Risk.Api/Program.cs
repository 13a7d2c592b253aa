using ApiLed.Risk.Api;
using ApiLed.Risk.Api.Apis;
using ApiLed.Sagas.Participants;
using ApiLed.ServiceDefaults.Hosting;

var builder = ServiceDefaultsExtensions.CreateBuilder(args);

builder.AddServiceDefaults("risk-api");
builder.AddApiLedOpenApi("ApiLed Risk system API",
    "Fraud screening of orders: allow or deny by configured rules. Internal: called by flows that declare it, not routed to partners.");
builder.AddRiskServices();
builder.AddChoreographyParticipant("risk");

var app = builder.Build();

app.UseServiceDefaults();
app.UseApiLedOpenApi();
app.MapDefaultEndpoints();
app.MapScreeningsApi();

await app.Services.GetRequiredService<RiskStore>().InitializeAsync(CancellationToken.None);
await app.RunAsync();
