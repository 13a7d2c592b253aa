namespace ApiLed.Sagas.Flows;

/// <summary>A step names an operation as <c>{system}.{operation}</c>, e.g. <c>billing.charge</c>.</summary>
public static class OperationNames
{
    /// <summary>The system part of <paramref name="qualified"/> ("billing" of "billing.charge"); null when it has none.</summary>
    public static string? SystemOf(string? qualified)
    {
        var dot = qualified?.IndexOf('.') ?? -1;
        return dot > 0 ? qualified![..dot] : null;
    }

    /// <summary>The operation part of <paramref name="qualified"/> ("charge" of "billing.charge").</summary>
    public static string OperationOf(string qualified)
    {
        var dot = qualified.IndexOf('.');
        return dot > 0 ? qualified[(dot + 1)..] : qualified;
    }

    public static string Qualify(string system, string operation) => system + "." + operation;
}
