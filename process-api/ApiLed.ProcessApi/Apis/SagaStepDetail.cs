namespace ApiLed.ProcessApi.Apis;

/// <summary>One step of a saga as operators see it.</summary>
public sealed record SagaStepDetail(string Name, string Operation, string? Compensation, string Status, int Attempts, string? Error, string? Result);
