using ApiLed.ServiceDefaults.Storage;

namespace ApiLed.ProcessApi.DeadLetters;

/// <summary>
/// The record of operators' actions on the broker's dead letters (actions on a saga are in the saga's history), in the
/// process API's store: written before the action's result is answered, read back by <c>GET /api/v1/operator-actions</c>.
/// </summary>
public sealed class OperatorActionLog(StoreDatabase database, TimeProvider time)
{
    public static readonly StoreSchema Schema = StoreSchema.Of("operator-actions", """
        CREATE TABLE IF NOT EXISTS operator_actions (
            id     INTEGER PRIMARY KEY AUTOINCREMENT,
            at     TEXT NOT NULL,
            by     TEXT NOT NULL,
            reason TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL,
            detail TEXT NOT NULL);
        """);

    public Task InitializeAsync(CancellationToken ct) => database.MigrateAsync([Schema], ct);

    public Task RecordAsync(string by, string reason, string action, string target, string detail, CancellationToken ct) =>
        database.WriteAsync((c, tx) => c.ExecuteAsync(
            "INSERT INTO operator_actions (at, by, reason, action, target, detail) VALUES ($at, $by, $reason, $action, $target, $detail)",
            tx, ct, ("$at", time.GetUtcNow().ToStoreText()), ("$by", by), ("$reason", reason), ("$action", action), ("$target", target),
            ("$detail", detail)), ct);

    public Task<List<OperatorAction>> RecentAsync(int limit, CancellationToken ct) => database.ReadAsync(c => c.QueryAsync(
        "SELECT at, by, reason, action, target, detail FROM operator_actions ORDER BY id DESC LIMIT $limit",
        r => new OperatorAction(r.GetTimestamp("at"), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5)),
        null, ct, ("$limit", limit)), ct);
}
