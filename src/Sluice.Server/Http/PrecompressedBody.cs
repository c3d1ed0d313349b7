using Microsoft.AspNetCore.Http;

namespace Sluice.Server.Http;

/// <summary>
/// Answers with an embedded file kept both plain and gzipped: 304 when the client holds this entity tag, else the
/// gzipped bytes when the client takes gzip. The caller sets the type and caching headers first.
/// </summary>
internal static class PrecompressedBody
{
    public static Task WriteAsync(HttpContext context, string etag, byte[] plain, byte[] gzipped)
    {
        var response = context.Response;
        response.Headers.ETag = etag;
        if (context.Request.Headers.IfNoneMatch.ToString() == etag)
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        var gzip = context.Request.Headers.AcceptEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase);
        var body = gzip ? gzipped : plain;
        if (gzip)
        {
            response.Headers.ContentEncoding = "gzip";
        }

        response.ContentLength = body.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(body).AsTask();
    }
}
