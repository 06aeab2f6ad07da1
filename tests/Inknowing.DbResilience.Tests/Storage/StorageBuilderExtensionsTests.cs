using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Inknowing.DbResilience.Tests.Storage;

public sealed class StorageBuilderExtensionsTests
{
    [Test]
    public async Task UseFileSystemStorage_ThenAddStorage_ResolvesASetWithThePrimaryFirst()
    {
        var first = Path.Combine(Path.GetTempPath(), "dbr-di-" + Guid.NewGuid().ToString("N")[..8]);
        var second = first + "-copy";

        await using var host = new DbResilienceBuilder()
            .AddFileSystemStorage(second)
            .UseFileSystemStorage(first)
            .Build();

        var set = host.GetRequiredService<IStorageSet>();
        set.Providers.Select(p => p.Name).Should().Equal(new FileSystemStorageProvider(first).Name, new FileSystemStorageProvider(second).Name);
    }

    [Test]
    public async Task UseFileSystemStorage_CalledTwice_TheLastCallWins()
    {
        await using var host = new DbResilienceBuilder().UseFileSystemStorage("/tmp/dbr-a").UseFileSystemStorage("/tmp/dbr-b").Build();

        host.GetRequiredService<IStorageSet>().Providers.Should().ContainSingle().Which.Name.Should().Be("file:///tmp/dbr-b");
    }

    [Test]
    public void Build_StorageRequiredButNoneConfigured_NamesTheCallsThatFixIt()
    {
        var builder = new DbResilienceBuilder();
        builder.Services.AddStorageSet(requiredBy: "");

        var build = () => builder.Build();

        build.Should().Throw<DbResilienceConfigurationException>()
            .Which.Errors.Should().ContainSingle().Which.Should().Contain("UseFileSystemStorage(path)").And.Contain("UseS3Storage");
    }

    [Test]
    public void Build_EmptyPathAndDuplicateStorage_ReportsEveryProblemAtOnce()
    {
        var builder = new DbResilienceBuilder().UseFileSystemStorage(" ").AddFileSystemStorage("/tmp/dbr-x").AddFileSystemStorage("/tmp/dbr-x/");

        var build = () => builder.Build();

        var errors = build.Should().Throw<DbResilienceConfigurationException>().Which.Errors;
        errors.Should().HaveCount(2);
        errors[0].Should().StartWith("UseFileSystemStorage(\" \"): the path is empty");
        errors[1].Should().Contain("configured twice").And.Contain("file:///tmp/dbr-x");
    }

    [Test]
    public async Task UseStorage_CustomProvider_IsCreatedFromTheServicesAndDisposedWithThem()
    {
        var host = new DbResilienceBuilder().UseStorage<CustomStorage>().Build();
        var storage = host.GetRequiredService<IStorageSet>().Providers.Should().ContainSingle().Which.Should().BeOfType<CustomStorage>().Subject;

        await host.DisposeAsync();

        storage.Clock.Should().BeSameAs(TimeProvider.System);
        storage.Disposed.Should().BeTrue();
    }

    [Test]
    public void AddDbResilience_InAHost_ValidatesStorageOnStart()
    {
        var services = new ServiceCollection().AddDbResilience(b => b.UseFileSystemStorage(""));
        using var provider = services.BuildServiceProvider();

        var validate = () => DbResilienceBuilder.Validate(provider);

        validate.Should().Throw<DbResilienceConfigurationException>().WithMessage("*UseFileSystemStorage*path is empty*");
    }

    private sealed class CustomStorage(TimeProvider clock) : TestStorageBase("custom://one"), IDisposable
    {
        public TimeProvider Clock { get; } = clock;

        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }
}
