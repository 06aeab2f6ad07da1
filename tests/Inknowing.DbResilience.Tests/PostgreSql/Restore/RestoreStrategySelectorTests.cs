using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;
using Inknowing.DbResilience.PostgreSql.PointInTime;
using Inknowing.DbResilience.PostgreSql.Restore;
using Inknowing.DbResilience.Restore;
using Microsoft.Extensions.DependencyInjection;

namespace Inknowing.DbResilience.Tests.PostgreSql.Restore;

/// <summary>Which strategy restores which backup, from the strategies a container built by AddDbResilience holds (no server is needed to choose).</summary>
public sealed class RestoreStrategySelectorTests
{
    private const string ConnectionString = "Host=127.0.0.1;Port=1;Database=app;Username=app;Password=secret";

    [Test]
    public void Select_BaseBackupWithTarget_ChoosesThePointInTimeStrategy()
    {
        using var provider = Services(b => b.EnablePointInTimeRecovery());

        var strategy = RestoreStrategySelector.Select(
            provider.GetServices<IRestoreStrategy>(), Source(RestoreSourceFormat.BaseBackup), new RestoreRequest { PointInTime = PointInTimeTarget.AtTime(DateTimeOffset.UnixEpoch) }, "base");

        strategy.Should().BeOfType<PointInTimeRestoreStrategy>().Which.Name.Should().Be("point-in-time");
    }

    [Test]
    public void Select_BaseBackupWithoutTarget_ChoosesThePointInTimeStrategy()
    {
        using var provider = Services(b => b.EnablePointInTimeRecovery());

        var strategy = RestoreStrategySelector.Select(provider.GetServices<IRestoreStrategy>(), Source(RestoreSourceFormat.BaseBackup), new RestoreRequest(), "base");

        strategy.Should().BeOfType<PointInTimeRestoreStrategy>();
    }

    [Test]
    public void Select_LogicalBackupWithoutTarget_ChoosesPgRestoreNotPointInTime()
    {
        using var provider = Services(b => b.EnablePointInTimeRecovery());

        var strategy = RestoreStrategySelector.Select(provider.GetServices<IRestoreStrategy>(), Source(RestoreSourceFormat.Custom), new RestoreRequest(), "Custom");

        strategy.Name.Should().Be("pg_restore");
    }

    [Test]
    public void Select_ApplicationStrategyForBaseBackupsAddedBeforePointInTime_WinsOverTheBuiltIn()
    {
        using var provider = Services(b => b.AddRestoreStrategy<BaseBackupStrategy>().EnablePointInTimeRecovery());

        var strategy = RestoreStrategySelector.Select(
            provider.GetServices<IRestoreStrategy>(), Source(RestoreSourceFormat.BaseBackup), new RestoreRequest { PointInTime = PointInTimeTarget.Latest }, "base");

        strategy.Should().BeOfType<BaseBackupStrategy>();
    }

    [Test]
    public void Select_TargetOnLogicalBackup_RefusedSayingItCannotBeRolledForwardAndNamingTheFix()
    {
        using var provider = Services(b => b.EnablePointInTimeRecovery());
        var request = new RestoreRequest { BackupId = "20261121T020000Z-daily-3f9a", PointInTime = PointInTimeTarget.AtLsn("0/3000100") };

        var select = () => RestoreStrategySelector.Select(provider.GetServices<IRestoreStrategy>(), Source(RestoreSourceFormat.Custom), request, "Custom");

        var refused = select.Should().Throw<RestoreException>().Which;
        refused.Message.Should().Contain("20261121T020000Z-daily-3f9a").And.Contain("logical backup").And.Contain("cannot be rolled forward to lsn 0/3000100")
            .And.Contain("Restore a base backup").And.Contain("without a point-in-time target").And.Contain("Nothing was changed");
        refused.NothingChanged.Should().BeTrue();
        refused.BackupId.Should().Be("20261121T020000Z-daily-3f9a");
    }

    [Test]
    public void Select_BaseBackupWithoutPointInTimeEnabled_RefusedNamingEnablePointInTimeRecovery()
    {
        using var provider = Services(_ => { });

        var select = () => RestoreStrategySelector.Select(provider.GetServices<IRestoreStrategy>(), Source(RestoreSourceFormat.BaseBackup), new RestoreRequest(), "base");

        select.Should().Throw<RestoreException>().Which.Message.Should().Contain("EnablePointInTimeRecovery()").And.Contain("pg_restore");
    }

    [Test]
    public void ToPointInTimeRequest_LatestBackupId_LetsTheRestorerChooseAndCarriesEveryOption()
    {
        var request = new RestoreRequest
        {
            PointInTime = PointInTimeTarget.AtTransaction(812),
            TargetDirectory = "/tmp/restored",
            StartServer = true,
            Port = 6543,
            AllowEarlyStop = true,
            ServerSettings = { ["fsync"] = "off" },
        };

        var converted = PointInTimeRestoreStrategy.ToPointInTimeRequest(request);

        converted.BaseBackupId.Should().BeNull();
        converted.Target.Should().Be(RecoveryTarget.AtTransaction(812));
        converted.TargetDirectory.Should().Be("/tmp/restored");
        converted.Start.Should().BeTrue();
        converted.Port.Should().Be(6543);
        converted.AllowEarlyStop.Should().BeTrue();
        converted.Settings.Should().Equal(new Dictionary<string, string> { ["fsync"] = "off" });
    }

    [Test]
    public void ToPointInTimeRequest_NamedBackupWithoutTarget_StartsFromItAtItsConsistentPoint()
    {
        var converted = PointInTimeRestoreStrategy.ToPointInTimeRequest(new RestoreRequest { BackupId = "20261121T020000Z-base-1a2b", TargetDirectory = "/tmp/restored" });

        converted.BaseBackupId.Should().Be("20261121T020000Z-base-1a2b");
        converted.Target.Should().Be(RecoveryTarget.Immediate);
    }

    [Test]
    public void ToPointInTimeRequest_NoTargetDirectory_RefusedNamingTheSetting()
    {
        var convert = () => PointInTimeRestoreStrategy.ToPointInTimeRequest(new RestoreRequest { PointInTime = PointInTimeTarget.Latest });

        var refused = convert.Should().Throw<RestoreException>().Which;
        refused.Message.Should().Contain("TargetDirectory").And.Contain("--target-dir");
        refused.NothingChanged.Should().BeTrue();
    }

    private static ServiceProvider Services(Action<DbResilienceBuilder> configure)
    {
        var services = new ServiceCollection();
        services.AddDbResilience(b =>
        {
            b.UsePostgreSql(ConnectionString).UseFileSystemStorage(Path.Combine(Path.GetTempPath(), "dbresilience-selector-unused"));
            configure(b);
        });
        return services.BuildServiceProvider();
    }

    private static RestoreSource Source(RestoreSourceFormat format) => new()
    {
        BackupId = "20261121T020000Z-daily-3f9a",
        Format = format,
        Sha256 = new string('0', 64),
        OpenAsync = _ => Task.FromResult<Stream>(new MemoryStream()),
    };

    private sealed class BaseBackupStrategy : IRestoreStrategy
    {
        public string Name => "application base restore";

        public bool CanRestore(RestoreSource source, RestoreRequest request) => source.Format == RestoreSourceFormat.BaseBackup;

        public Task<RestoreResult> RestoreAsync(RestoreSource source, RestoreRequest request, CancellationToken cancellationToken = default)
            => throw new NotSupportedException("Only chosen, never run, by these tests.");
    }
}
