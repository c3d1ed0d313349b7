using System.Net.Http.Headers;
using System.Text;
using Sluice.Core.Resilience;

namespace Sluice.ClickHouse;

/// <summary>
/// One ClickHouse server's HTTP interface (no client library: the HTTP interface is the one every version speaks,
/// 18.16 included). Statements go in the URL's <c>query</c> parameter, data in the body; every call goes through the
/// <c>clickhouse</c> breaker with a deadline of <c>ClickHouse:TimeoutMs</c>. Credentials travel as Basic auth, never
/// in a URL that could be logged.
/// </summary>
public sealed class ClickHouseClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _base;
    private readonly DependencyBreaker? _breaker;
    private readonly TimeSpan _timeout;

    /// <param name="breaker">Null for calls that must not count against the store's breaker (custom SQL a user wrote).</param>
    public ClickHouseClient(string url, string user, string password, TimeSpan timeout, DependencyBreaker? breaker)
    {
        _base = new Uri(url.EndsWith('/') ? url : url + "/");
        _breaker = breaker;
        _timeout = timeout;
        // Timeouts are ours (a token per call), so the client's own is off; pooled connections are recycled so a
        // restarted server is found again.
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1), ConnectTimeout = timeout })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));
    }

    /// <summary>The server's address without credentials, for health and logs.</summary>
    public string Address => _base.GetLeftPart(UriPartial.Authority);

    /// <summary>Runs a statement that returns nothing (DDL, ALTER, an INSERT with its data in <paramref name="body"/>).</summary>
    /// <param name="once">
    /// No retry after a failed attempt: an INSERT that timed out or lost its answer may have been stored all the same,
    /// and a blind resend would store it twice; its caller checks what ClickHouse holds before sending it again.
    /// </param>
    public async ValueTask ExecuteAsync(string sql, ReadOnlyMemory<byte> body = default, IReadOnlyDictionary<string, string>? settings = null, CancellationToken cancel = default, bool once = false) =>
        await CallAsync(async c =>
        {
            using var response = await SendAsync(sql, body, settings, c);
            return true;
        }, cancel, once);

    /// <summary>Runs a query and returns its whole answer as text (the caller picks the format in the SQL).</summary>
    public ValueTask<string> QueryAsync(string sql, IReadOnlyDictionary<string, string>? settings = null, CancellationToken cancel = default) =>
        CallAsync(async c =>
        {
            using var response = await SendAsync(sql, default, settings, c);
            return await response.Content.ReadAsStringAsync(c);
        }, cancel);

    /// <summary>
    /// Runs a query and hands its answer as a stream to <paramref name="read"/>, which must stop by itself at whatever
    /// bound it keeps (answers are read as they arrive, never buffered whole).
    /// </summary>
    public ValueTask<T> QueryAsync<T>(string sql, Func<Stream, CancellationToken, ValueTask<T>> read, IReadOnlyDictionary<string, string>? settings = null, CancellationToken cancel = default) =>
        CallAsync(async c =>
        {
            using var response = await SendAsync(sql, default, settings, c);
            await using var stream = await response.Content.ReadAsStreamAsync(c);
            return await read(stream, c);
        }, cancel);

    public void Dispose() => _http.Dispose();

    private async ValueTask<T> CallAsync<T>(Func<CancellationToken, ValueTask<T>> call, CancellationToken cancel, bool once = false)
    {
        async ValueTask<T> Attempt(CancellationToken c)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(c);
            deadline.CancelAfter(_timeout);
            try
            {
                return await call(deadline.Token);
            }
            catch (OperationCanceledException e) when (!c.IsCancellationRequested)
            {
                throw new ClickHouseException(0, $"ClickHouse at {Address} did not answer within {_timeout.TotalMilliseconds:0} ms", e);
            }
            catch (HttpRequestException e)
            {
                throw new ClickHouseException(0, $"ClickHouse at {Address} is unreachable: {e.Message}", e);
            }
        }

        return _breaker is null ? await Attempt(cancel)
            : once ? await _breaker.ExecuteOnceAsync(Attempt, cancel)
            : await _breaker.ExecuteAsync(Attempt, cancel);
    }

    private async Task<HttpResponseMessage> SendAsync(string sql, ReadOnlyMemory<byte> body, IReadOnlyDictionary<string, string>? settings, CancellationToken cancel)
    {
        var query = new StringBuilder("?query=").Append(Uri.EscapeDataString(sql));
        if (settings is not null)
        {
            foreach (var (name, value) in settings)
            {
                query.Append('&').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
            }
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_base, query.ToString()))
        {
            Content = new ReadOnlyMemoryContent(body),
        };
        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancel);
            throw ClickHouseException.FromAnswer((int)response.StatusCode, text);
        }
    }
}
