using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Sluice.Cli.Client;

/// <summary>
/// The CLI's HTTP door to one server: adds the key, and turns every failure into a
/// <see cref="CommandFailedException"/> with the exit code scripts rely on and the server's own error message.
/// </summary>
public sealed class SluiceClient : IDisposable
{
    /// <summary>Most bytes of a JSON answer read into memory; streams (export, tail) are read as they arrive instead.</summary>
    public const int MaxAnswerBytes = 64 * 1024 * 1024;

    private readonly HttpClient _http;

    public SluiceClient(Uri baseUrl, string? apiKey)
    {
        BaseUrl = new Uri(baseUrl.ToString().TrimEnd('/') + "/");
        _http = new HttpClient { BaseAddress = BaseUrl, Timeout = Timeout.InfiniteTimeSpan, MaxResponseContentBufferSize = MaxAnswerBytes };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("sluice-cli/1");
        if (apiKey is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }
    }

    public Uri BaseUrl { get; }

    /// <summary>The client itself, for streaming requests; answers should still go through <see cref="EnsureSuccessAsync"/>.</summary>
    public HttpClient Http => _http;

    public async Task<JsonDocument> GetJsonAsync(string pathAndQuery, CancellationToken cancel = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, pathAndQuery);
        return await SendForJsonAsync(request, cancel);
    }

    public async Task<JsonDocument> SendJsonAsync(HttpMethod method, string pathAndQuery, object body, CancellationToken cancel = default)
    {
        using var request = new HttpRequestMessage(method, pathAndQuery)
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        };
        return await SendForJsonAsync(request, cancel);
    }

    /// <summary>Sends, reads the headers only, and fails with the server's message unless the status is a success.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancel = default)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel);
        }
        catch (HttpRequestException e)
        {
            throw new CommandFailedException(ExitCodes.Unavailable, $"{BaseUrl} is unreachable: {e.Message}");
        }

        await EnsureSuccessAsync(response, cancel);
        return response;
    }

    /// <summary>Throws the failure's exit code and the server's message (its problem detail) for a non-success answer.</summary>
    public static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancel = default)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        string detail;
        try
        {
            detail = ProblemText(await response.Content.ReadAsStringAsync(cancel));
        }
        catch (HttpRequestException)
        {
            detail = "";
        }

        var status = (int)response.StatusCode;
        response.Dispose();
        throw new CommandFailedException(status >= 500 || response.StatusCode == HttpStatusCode.RequestTimeout ? ExitCodes.Unavailable : ExitCodes.Refused,
            $"the server answered {status}{(detail.Length > 0 ? ": " + detail : "")}");
    }

    private async Task<JsonDocument> SendForJsonAsync(HttpRequestMessage request, CancellationToken cancel)
    {
        using var response = await SendAsync(request, cancel);
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancel);
            return await JsonDocument.ParseAsync(body, cancellationToken: cancel);
        }
        catch (JsonException e)
        {
            throw new CommandFailedException(ExitCodes.Unavailable, $"the server's answer is not JSON: {e.Message}");
        }
        catch (HttpRequestException e)
        {
            throw new CommandFailedException(ExitCodes.Unavailable, $"the answer from {BaseUrl} broke off: {e.Message}");
        }
    }

    /// <summary>The server's problem answer as "code: message", or the text itself (cut to one line) if it is not one.</summary>
    internal static string ProblemText(string text)
    {
        try
        {
            using var problem = JsonDocument.Parse(text);
            var root = problem.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("code", out var code) && root.TryGetProperty("message", out var message))
            {
                return $"{code.GetString()}: {message.GetString()}";
            }
        }
        catch (JsonException)
        {
        }

        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length <= 300 ? line : line[..300] + "…";
    }

    public void Dispose() => _http.Dispose();
}
