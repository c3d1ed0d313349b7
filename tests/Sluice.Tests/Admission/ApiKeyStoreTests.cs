using Sluice.Admission.Auth;

namespace Sluice.Tests.Admission;

public sealed class ApiKeyStoreTests
{
    [Fact]
    public void Keys_authenticate_to_their_scopes_and_nothing_else()
    {
        var errors = new List<string>();
        var store = ApiKeyStore.Parse("k-ingest:ingest, k-read:read+ingest ,k-admin:admin", "", errors);
        Assert.Empty(errors);
        Assert.Equal(3, store.Count);
        Assert.Equal(ApiScope.Ingest, store.Authenticate("k-ingest"));
        Assert.Equal(ApiScope.Read | ApiScope.Ingest, store.Authenticate("k-read"));
        Assert.Equal(ApiScope.None, store.Authenticate("k-read "));
        Assert.Equal(ApiScope.None, store.Authenticate(""));
        Assert.Equal(ApiScope.None, store.Authenticate(new string('k', 10_000)));
        Assert.True(store.Authenticate("k-admin").Grants(ApiScope.Read | ApiScope.Ingest));
        Assert.False(ApiScope.Ingest.Grants(ApiScope.Read));
    }

    [Fact]
    public void Hashed_entries_keep_plain_keys_out_of_the_options_and_work_the_same()
    {
        var errors = new List<string>();
        var store = ApiKeyStore.Parse("", ApiKeyStore.HashHex("s3cret:with:colons") + ":read", errors);
        Assert.Empty(errors);
        Assert.Equal(ApiScope.Read, store.Authenticate("s3cret:with:colons"));
        Assert.Equal(ApiScope.None, store.Authenticate("s3cret"));
    }

    [Theory]
    [InlineData("k1", "", "Auth:ApiKeys entry 1")]
    [InlineData("k1:write", "", "Auth:ApiKeys entry 1")]
    [InlineData("ok:read,:read", "", "Auth:ApiKeys entry 2")]
    [InlineData("", "abc:read", "Auth:ApiKeyHashes entry 1")]
    public void Bad_entries_are_named_without_showing_the_key(string keys, string hashes, string message)
    {
        var errors = new List<string>();
        ApiKeyStore.Parse(keys, hashes, errors);
        var error = Assert.Single(errors);
        Assert.StartsWith(message, error, StringComparison.Ordinal);
        Assert.DoesNotContain("k1", error, StringComparison.Ordinal);
    }
}
