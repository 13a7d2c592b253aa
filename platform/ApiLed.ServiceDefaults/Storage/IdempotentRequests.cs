using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ApiLed.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using System.Data.Common;

namespace ApiLed.ServiceDefaults.Storage;

/// <summary>An answer to a mutating call, as stored under its idempotency key and replayed verbatim.</summary>
public sealed record IdempotentOutcome(int StatusCode, string ContentType, string Body)
{
    public static IdempotentOutcome Json<T>(int statusCode, T value) =>
        new(statusCode, "application/json", JsonSerializer.Serialize(value, JsonSerializerOptions.Web));

    public static IdempotentOutcome Problem(int statusCode, string type, string title, string detail) =>
        new(statusCode, "application/problem+json", JsonSerializer.Serialize(new ProblemDetails
        {
            Status = statusCode,
            Type = Problems.TypeBase + type,
            Title = title,
            Detail = detail,
        }, JsonSerializerOptions.Web));
}

/// <summary>
/// Makes a mutating endpoint idempotent on the <c>Idempotency-Key</c> header: the business change and the
/// answer are stored in one transaction, so a retry with the same key returns the first answer and changes
/// nothing, and a key reused for a different request is refused.
/// </summary>
public sealed class IdempotentRequests(StoreDatabase database, TimeProvider time)
{
    public const string HeaderName = "Idempotency-Key";
    public const string ReplayedHeaderName = "Idempotent-Replayed";

    public static readonly StoreSchema Schema = StoreSchema.Of("idempotency", """
        CREATE TABLE IF NOT EXISTS idempotency_keys (
            scope_key    TEXT PRIMARY KEY,
            request_hash TEXT NOT NULL,
            status_code  INTEGER NOT NULL,
            content_type TEXT NOT NULL,
            body         TEXT NOT NULL,
            created_at   TEXT NOT NULL);
        """);

    public async Task<IResult> ExecuteAsync<TRequest>(HttpRequest request, string operation, TRequest body,
        Func<DbConnection, DbTransaction, Task<IdempotentOutcome>> work, CancellationToken ct)
    {
        var key = request.Headers[HeaderName].ToString();
        if (string.IsNullOrWhiteSpace(key) || key.Length > 200)
        {
            return Problems.Validation(HeaderName, "An Idempotency-Key header (1 to 200 characters) is required on every mutating call.");
        }

        var scopeKey = $"{operation}|{key}";
        var hash = Fingerprint(request.Path, body);

        var (outcome, replayed) = await database.WriteAsync<(IdempotentOutcome, bool)>(async (connection, transaction) =>
        {
            var stored = await connection.QueryAsync(
                "SELECT request_hash, status_code, content_type, body FROM idempotency_keys WHERE scope_key = $key",
                r => (Hash: r.GetString(0), Outcome: new IdempotentOutcome(r.GetInt(1), r.GetString(2), r.GetString(3))),
                transaction, ct, ("$key", scopeKey));
            if (stored is [var found])
            {
                return found.Hash == hash
                    ? (found.Outcome, true)
                    : (IdempotentOutcome.Problem(StatusCodes.Status422UnprocessableEntity, "idempotency-key-reused",
                        "The Idempotency-Key was already used for a different request.",
                        $"Key '{key}' was first used with another body or path; use a new key for a new request."), true);
            }

            var fresh = await work(connection, transaction);
            await connection.ExecuteAsync(
                "INSERT INTO idempotency_keys (scope_key, request_hash, status_code, content_type, body, created_at) VALUES ($key, $hash, $status, $type, $body, $at)",
                transaction, ct, ("$key", scopeKey), ("$hash", hash), ("$status", fresh.StatusCode),
                ("$type", fresh.ContentType), ("$body", fresh.Body), ("$at", time.GetUtcNow().ToStoreText()));
            return (fresh, false);
        }, ct);

        return new StoredAnswer(outcome, replayed);
    }

    /// <summary>
    /// What makes two requests under one idempotency key "the same": the scope (e.g. the path) and the body as JSON.
    /// Stored with the key; a different fingerprint under the same key is a reused key.
    /// </summary>
    public static string Fingerprint<TBody>(string scope, TBody body) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(scope + "|" + JsonSerializer.Serialize(body, JsonSerializerOptions.Web))));

    private sealed class StoredAnswer(IdempotentOutcome outcome, bool replayed) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = outcome.StatusCode;
            httpContext.Response.ContentType = outcome.ContentType;
            if (replayed)
            {
                httpContext.Response.Headers[ReplayedHeaderName] = "true";
            }

            await httpContext.Response.WriteAsync(outcome.Body, httpContext.RequestAborted);
        }
    }
}
