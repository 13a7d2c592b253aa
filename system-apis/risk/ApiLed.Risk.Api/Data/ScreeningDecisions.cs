namespace ApiLed.Risk.Api;

/// <summary>What a screening decided, and what became of it.</summary>
public static class ScreeningDecisions
{
    public const string Allow = "allow";
    public const string Deny = "deny";

    /// <summary>The screening stands.</summary>
    public const string Active = "active";

    /// <summary>Undone (the order failed or was cancelled), or undone before it was made: a late screening is refused.</summary>
    public const string Voided = "voided";
}
