using System.Text;
using Sluice.Core.Errors;

namespace Sluice.Redis.Kv;

/// <summary>What a key may be, and the part of the key space that is Sluice's own.</summary>
internal static class KvKeys
{
    /// <summary>Keys of Sluice's own state (the dashboard's config): not written, deleted or cleaned up through the API.</summary>
    public const string ReservedPrefix = "sluice:";

    public static bool IsReserved(string key) => key.StartsWith(ReservedPrefix, StringComparison.Ordinal);

    /// <summary>Null when <paramref name="key"/> is 1 to <paramref name="maxBytes"/> UTF-8 bytes of text without control characters.</summary>
    public static FieldError? Check(string? key, int maxBytes, string field = "key")
    {
        if (string.IsNullOrEmpty(key))
        {
            return new FieldError(ErrorCodes.MissingField, field, $"'{field}' must not be empty");
        }

        foreach (var c in key)
        {
            if (char.IsControl(c))
            {
                return new FieldError(ErrorCodes.InvalidValue, field, $"'{field}' must not hold control characters");
            }
        }

        int bytes;
        try
        {
            bytes = StrictUtf8.GetByteCount(key);
        }
        catch (EncoderFallbackException)
        {
            return new FieldError(ErrorCodes.InvalidUtf8, field, $"'{field}' holds a lone surrogate, which is not a character");
        }

        return bytes > maxBytes
            ? new FieldError(ErrorCodes.FieldTooLong, field, $"'{field}' is {bytes} bytes of UTF-8; at most {maxBytes} (Kv:MaxKeyBytes)")
            : null;
    }

    public static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
