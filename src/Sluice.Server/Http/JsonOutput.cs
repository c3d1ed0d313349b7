using System.Text.Encodings.Web;
using System.Text.Json;

namespace Sluice.Server.Http;

/// <summary>Writer options for every JSON answer: readable escaping (no \u0027 for quotes); never served as HTML.</summary>
public static class JsonOutput
{
    public static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
