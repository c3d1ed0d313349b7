using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace Sluice.Redis;

/// <summary>
/// A Lua script of <c>Scripts/</c>, run with EVALSHA (only its hash travels); when Redis does not know it — the
/// first call, or after Redis restarted empty — it is sent whole with EVAL, which also caches it there.
/// </summary>
internal sealed class RedisScript
{
    private readonly byte[] _sha1;

    private RedisScript(string name, string text)
    {
        Name = name;
        Text = text;
        _sha1 = SHA1.HashData(Encoding.UTF8.GetBytes(text));
    }

    public string Name { get; }

    public string Text { get; }

    /// <summary>The embedded script <c>Scripts/<paramref name="name"/></c>.</summary>
    public static RedisScript Load(string name)
    {
        using var stream = typeof(RedisScript).Assembly.GetManifestResourceStream("Sluice.Redis.Scripts." + name)
            ?? throw new InvalidOperationException($"no embedded script {name}");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return new RedisScript(name, reader.ReadToEnd());
    }

    public async Task<RedisResult> EvaluateAsync(IDatabase db, RedisKey[] keys, RedisValue[] args)
    {
        try
        {
            return await db.ScriptEvaluateAsync(_sha1, keys, args);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            var eval = new object[2 + keys.Length + args.Length];
            eval[0] = Text;
            eval[1] = keys.Length;
            keys.CopyTo(eval, 2);
            Array.Copy(args, 0, eval, 2 + keys.Length, args.Length);
            return await db.ExecuteAsync("EVAL", eval);
        }
    }
}
