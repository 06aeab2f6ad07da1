namespace Inknowing.DbResilience.IntegrationTests;

/// <summary>Starts the real servers once for every test in this assembly and stops them at the end, whatever happened.</summary>
[SetUpFixture]
public sealed class TestServersSetUp
{
    [OneTimeSetUp]
    public Task StartServersAsync()
    {
        // What eng/docker.sh sets, for a plain 'dotnet test' too: no reaper container (its image cannot be pulled; the
        // fixture disposes its containers itself), and the API version of Debian 12's docker 20.10.
        SetDefault("TESTCONTAINERS_RYUK_DISABLED", "true");
        SetDefault("DOCKER_API_VERSION", "1.41");
        return Infrastructure.TestServers.StartAsync();
    }

    [OneTimeTearDown]
    public Task StopServersAsync() => Infrastructure.TestServers.StopAsync();

    private static void SetDefault(string name, string value)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name)))
        {
            Environment.SetEnvironmentVariable(name, value);
        }
    }
}
