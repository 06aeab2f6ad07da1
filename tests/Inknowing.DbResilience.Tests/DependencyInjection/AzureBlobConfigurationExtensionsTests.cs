using Inknowing.DbResilience.Azure.DependencyInjection;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Storage;
using Microsoft.Extensions.Configuration;

namespace Inknowing.DbResilience.Tests.DependencyInjection;

public sealed class AzureBlobConfigurationExtensionsTests
{
    private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    [Test]
    public async Task UseAzureBlobStorage_SectionWithAccountKey_BindsContainerPrefixAndEndpointAndNeverShowsTheKey()
    {
        var section = Section(new()
        {
            ["DbResilience:Storage:AzureBlob:ContainerName"] = "backups",
            ["DbResilience:Storage:AzureBlob:Prefix"] = "prod/app",
            ["DbResilience:Storage:AzureBlob:ServiceUri"] = "http://127.0.0.1:10000/devstoreaccount1",
            ["DbResilience:Storage:AzureBlob:AccountName"] = "devstoreaccount1",
            ["DbResilience:Storage:AzureBlob:AccountKey"] = Key,
            ["DbResilience:Storage:AzureBlob:BlockSize"] = "4194304",
        });

        await using var host = new DbResilienceBuilder().UseAzureBlobStorage(section).Build();

        var storage = host.GetRequiredService<IStorageSet>().Providers.Should().ContainSingle().Which;
        storage.Name.Should().Be("azblob://backups/prod/app at http://127.0.0.1:10000/devstoreaccount1");
        storage.Name.Should().NotContain(Key);
    }

    [Test]
    public async Task UseAzureBlobStorage_AsCopy_AddsTheContainerBesideThePrimary()
    {
        var section = Section(new()
        {
            ["DbResilience:Storage:AzureBlob:ContainerName"] = "offsite",
            ["DbResilience:Storage:AzureBlob:ConnectionString"] = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Key};BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;",
        });

        await using var host = new DbResilienceBuilder().UseFileSystemStorage("/tmp/dbr-azure-primary").UseAzureBlobStorage(section, asCopy: true).Build();

        host.GetRequiredService<IStorageSet>().Providers.Select(p => p.Name)
            .Should().Equal("file:///tmp/dbr-azure-primary", "azblob://offsite at http://127.0.0.1:10000/devstoreaccount1");
    }

    [Test]
    public void Build_SectionWithMistakes_NamesTheSectionAndEveryKeyWithoutTheSecrets()
    {
        var section = Section(new()
        {
            ["DbResilience:Storage:AzureBlob:ContainerName"] = "backups",
            ["DbResilience:Storage:AzureBlob:AccountName"] = "acme",
            ["DbResilience:Storage:AzureBlob:AccountKey"] = "not base64 SECRET-1",
            ["DbResilience:Storage:AzureBlob:BlockSize"] = "big SECRET-2",
            ["DbResilience:Storage:AzureBlob:SasToken"] = "sv=2024&sig=SECRET-3",
        });
        var builder = new DbResilienceBuilder().UseAzureBlobStorage(section);

        var build = () => builder.Build();

        var errors = build.Should().Throw<DbResilienceConfigurationException>().Which.Errors;
        errors.Should().Contain("DbResilience:Storage:AzureBlob:BlockSize: the value is not a valid whole number.");
        errors.Should().Contain(e => e.StartsWith("DbResilience:Storage:AzureBlob:SasToken: not a known setting", StringComparison.Ordinal));
        errors.Should().Contain(e => e.StartsWith("UseAzureBlobStorage(configuration section 'DbResilience:Storage:AzureBlob'): AccountKey is not base64", StringComparison.Ordinal)
                                     && e.Contains("copy the key again", StringComparison.Ordinal));
        string.Join("\n", errors).Should().NotContain("SECRET");
    }

    [Test]
    public void Build_SectionWithoutCredential_NamesTheKeysToSet()
    {
        var section = Section(new() { ["DbResilience:Storage:AzureBlob:ContainerName"] = "backups" });
        var builder = new DbResilienceBuilder().UseAzureBlobStorage(section, asCopy: true);

        var build = () => builder.Build();

        build.Should().Throw<DbResilienceConfigurationException>().Which.Errors
            .Should().ContainSingle(e => e.StartsWith("AddAzureBlobStorage(configuration section 'DbResilience:Storage:AzureBlob'): No credential is set", StringComparison.Ordinal))
            .Which.Should().Contain("ConnectionString").And.Contain("AccountName and AccountKey");
    }

    [Test]
    public async Task BindConfiguration_AzureBlobSection_IsAKnownStorageSection()
    {
        var section = Section(new()
        {
            ["DbResilience:Storage:AzureBlob:ContainerName"] = "backups",
            ["DbResilience:Storage:AzureBlob:ConnectionString"] = $"DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={Key};EndpointSuffix=core.windows.net",
        });

        await using var host = new DbResilienceBuilder().BindConfiguration(section).UseAzureBlobStorage(section).Build();

        host.GetRequiredService<IStorageSet>().Providers.Should().ContainSingle().Which.Name.Should().StartWith("azblob://backups at https://acme.blob.core.windows.net");
    }

    private static IConfigurationSection Section(Dictionary<string, string?> values)
        => new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("DbResilience");
}
