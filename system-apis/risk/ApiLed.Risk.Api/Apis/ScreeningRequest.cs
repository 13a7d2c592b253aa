namespace ApiLed.Risk.Api.Apis;

/// <summary>An order to screen: who orders, how much, and where it goes.</summary>
public sealed record ScreeningRequest(string OrderId, string PartnerId, string CustomerId, long TotalCents, string Currency, string Country);
