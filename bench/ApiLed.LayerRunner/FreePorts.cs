namespace ApiLed.LayerRunner;

/// <summary>The ports of this process's layer, broker nodes and WireMock: one <see cref="PortPool"/> for the whole run.</summary>
public static class FreePorts
{
    private static PortPool _pool = new(null);

    /// <summary>Takes every later port from <paramref name="range"/> (<c>--ports</c>); call it before the first <see cref="Next"/>.</summary>
    public static void UseRange(PortRange range) => _pool = new PortPool(range);

    /// <summary>A TCP port of 127.0.0.1 that was free a moment ago, never the same one twice in a run.</summary>
    public static int Next() => _pool.Next();
}
