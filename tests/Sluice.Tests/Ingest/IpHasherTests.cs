using Sluice.Admission.Privacy;
using Sluice.Tests.Support;

namespace Sluice.Tests.Ingest;

public class IpHasherTests
{
    [Fact]
    public void Hash_is_keyed_stable_and_canonical()
    {
        var a = new KeyedIpHasher(new byte[32]);
        var b = new KeyedIpHasher(Enumerable.Repeat((byte)1, 32).ToArray());
        Assert.Equal(a.Hash("192.0.2.1"), a.Hash(" 192.0.2.1 "));
        Assert.Equal(a.Hash("192.0.2.1"), a.Hash("::ffff:192.0.2.1"));
        Assert.Equal(a.Hash("2001:db8::1"), a.Hash("2001:DB8:0::1"));
        Assert.NotEqual(a.Hash("192.0.2.1"), b.Hash("192.0.2.1"));
        Assert.NotEqual(a.Hash("192.0.2.1"), a.Hash("192.0.2.2"));
        Assert.Matches("^[0-9a-f]{16}$", a.Hash("192.0.2.1"));
    }

    [Fact]
    public void Generated_key_is_kept_and_reused()
    {
        using var dir = new TempDirectory();
        var first = IpHashKeyStore.LoadOrCreate(null, dir.Path);
        var second = IpHashKeyStore.LoadOrCreate(null, dir.Path);
        Assert.Equal(first, second);
        Assert.Equal(32, first.Length);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir.Path, IpHashKeyStore.FileName)));
        }

        Assert.Equal(new byte[16], IpHashKeyStore.LoadOrCreate(Convert.ToBase64String(new byte[16]), dir.Path));
    }
}
