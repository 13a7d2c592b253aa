using ApiLed.ExperienceApi;
using ApiLed.ExperienceApi.Apis;
using ApiLed.ExperienceApi.Orders;
using ApiLed.ServiceDefaults.Hosting;

var builder = ServiceDefaultsExtensions.CreateBuilder(args);

builder.AddServiceDefaults("experience-api");
builder.AddApiLedOpenApi("ApiLed Orders API",
    "Place orders and follow them to completion. Orders are accepted at once (202) and fulfilled asynchronously: " +
    "inventory is reserved, the payment charged and a shipment created, or every completed step is undone.",
    OrderExamples.Configure);
builder.AddExperienceApiServices();

var app = builder.Build();

app.UseServiceDefaults();
app.UseApiLedOpenApi();
app.MapDefaultEndpoints();
app.MapOrdersApi();

await app.Services.GetRequiredService<OrderStore>().InitializeAsync(CancellationToken.None);
await app.RunAsync();
