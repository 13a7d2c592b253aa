namespace ApiLed.ProcessApi.Apis;

/// <summary>One page of a saga search; <c>nextCursor</c> (null on the last page) asks for the next one.</summary>
public sealed record SagaPage(IReadOnlyList<SagaListItem> Items, string? NextCursor);
