using System.Text;
using Sluice.Analysis.Patterns;

namespace Sluice.Tests.Analysis.Patterns;

public class VariableMaskerTests
{
    [Theory]
    [InlineData("took 123 ms", "took <*> ms")]
    [InlineData("offset -42 of 7", "offset <*> of <*>")]
    [InlineData("addr 0x7f3a1c", "addr <*>")]
    [InlineData("digest deadbeefcafe", "digest <*>")]
    [InlineData("request 123e4567-e89b-12d3-a456-426614174000 done", "request <*> done")]
    [InlineData("from 10.0.0.1 ok", "from <*> ok")]
    [InlineData("from 10.0.0.1:8080 ok", "from <*> ok")]
    [InlineData("from 2001:db8::1 ok", "from <*> ok")]
    [InlineData("from [fe80::1]:443 ok", "from <*> ok")]
    [InlineData("open /var/log/syslog failed", "open <*> failed")]
    [InlineData(@"load C:\Windows\system32\x.dll failed", "load <*> failed")]
    [InlineData("GET https://example.com/a?b=1 now", "GET <*> now")]
    [InlineData("done in 12ms", "done in <*>")]
    [InlineData("done in 1.5s", "done in <*>")]
    [InlineData("lifetime 00:01:02 left", "lifetime <*> left")]
    [InlineData("name 'abc' unknown", "name '<*>' unknown")]
    [InlineData("name \"abc\" unknown", "name \"<*>\" unknown")]
    [InlineData("user=bob42 state=running", "user=<*> state=running")]
    [InlineData("path=/tmp/x.log", "path=<*>")]
    [InlineData("mail to a.b@example.org sent", "mail to <*> sent")]
    [InlineData("proxy db.example.com:5432 open", "proxy <*> open")]
    [InlineData("at Fri Jun 17 20:55:07 2005", "at <*>")]
    [InlineData("ids 1 2 3 done", "ids <*> done")]
    [InlineData("block blk_-1608999687919862906 (size 9)", "block <*> (size <*>)")]
    public void Values_are_masked_and_words_kept(string message, string expected)
    {
        Assert.Equal(expected, Masked(message));
    }

    [Theory]
    [InlineData("Starting TrustedInstaller initialization.")]
    [InlineData("may the force be with you")]
    [InlineData("state=running mode=fast")]
    public void Messages_without_values_stay_as_they_are(string message)
    {
        Assert.Equal(message, Masked(message));
    }

    private static string Masked(string message)
    {
        var line = new MaskedLine();
        VariableMasker.Mask(Encoding.UTF8.GetBytes(message), line);
        var tokens = new List<string>();
        for (var i = 0; i < line.Count; i++)
        {
            tokens.Add(Encoding.UTF8.GetString(line.Token(i)));
        }
        return string.Join(' ', tokens);
    }
}
