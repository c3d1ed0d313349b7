using Sluice.Core.Options;

namespace Sluice.Tests.Core;

public class OptionsTests
{
    [Fact]
    public void Defaults_are_valid()
    {
        Assert.Empty(SluiceOptionsValidator.Validate(new SluiceOptions()));
    }

    [Fact]
    public void Each_invalid_setting_is_named()
    {
        var errors = SluiceOptionsValidator.Validate(new SluiceOptions
        {
            Listen = "nowhere",
            Limits = new IngestLimits { MaxBodyBytes = 100 * 1024 * 1024 },
            Privacy = new PrivacyOptions { IpHashKey = "c2hvcnQ=" },
        });
        Assert.Contains(errors, e => e.StartsWith("Listen", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Limits:MaxBodyBytes", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Privacy:IpHashKey", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("127.0.0.1:5080", true)]
    [InlineData("[::1]:80", true)]
    [InlineData("localhost:0", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("127.0.0.1:70000", false)]
    public void Listen_addresses_parse(string text, bool ok)
    {
        Assert.Equal(ok, ListenAddress.TryParse(text, out _));
    }
}
