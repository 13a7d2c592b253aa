using ApiLed.ProcessApi;
using ApiLed.ProcessApi.Apis;
using ApiLed.ProcessApi.Flows;
using ApiLed.ProcessApi.Sagas;
using ApiLed.ServiceDefaults.Hosting;

var builder = ServiceDefaultsExtensions.CreateBuilder(args);

builder.AddServiceDefaults("process-api");
builder.AddApiLedOpenApi("ApiLed Process API",
    "Runs the order-fulfillment flow (reserve inventory → charge payment → create shipment, compensated in reverse on failure). " +
    "Operators read sagas and retry parked ones here; integration architects read and reload the flows.");
builder.AddProcessApiServices();

var app = builder.Build();

app.UseServiceDefaults();
app.UseApiLedOpenApi();
app.MapDefaultEndpoints();
app.MapSagasApi();
app.MapFlowsApi();
app.MapApprovalsApi();
app.MapCancellationsApi();
app.MapCallbacksApi();
app.MapDeadLettersApi();
app.MapBulkActionsApi();
app.MapStatsApi();

app.Services.GetRequiredService<FlowCatalog>(); // an invalid flow configuration stops the service here, naming every problem
await app.Services.GetRequiredService<SagaStore>().InitializeAsync(CancellationToken.None);
await app.Services.GetRequiredService<ApiLed.ProcessApi.DeadLetters.OperatorActionLog>().InitializeAsync(CancellationToken.None);
await app.Services.GetRequiredService<ApiLed.ProcessApi.Apis.BulkActionStore>().InitializeAsync(CancellationToken.None);
await app.RunAsync();
