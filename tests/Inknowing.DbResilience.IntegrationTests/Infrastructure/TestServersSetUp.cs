namespace Inknowing.DbResilience.IntegrationTests;

/// <summary>Starts the real servers once for every test in this assembly and stops them at the end, whatever happened.</summary>
[SetUpFixture]
public sealed class TestServersSetUp
{
    [OneTimeSetUp]
    public Task StartServersAsync() => Infrastructure.TestServers.StartAsync();

    [OneTimeTearDown]
    public Task StopServersAsync() => Infrastructure.TestServers.StopAsync();
}
