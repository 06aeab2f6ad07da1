using System.Net;
using System.Text.Json;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.Samples;

/// <summary>The web sample in process (WebApplicationFactory) against a real PostgreSQL server.</summary>
[NonParallelizable]
public sealed class WebSampleTests
{
    // The sample reads its DbResilience section while Program builds its services, before a factory's configuration callbacks
    // run, so the test configures it as an operator would: through the environment. The backups are switched off: on a fresh
    // database the weekly and monthly ones would be caught up at start, and this test is about the endpoints.
    private static readonly string[] Variables =
    [
        "DbResilience__PostgreSql__ConnectionString",
        "DbResilience__Storage__FileSystem__Path",
        "DbResilience__Scheduler__Jobs__backup-daily__Enabled",
        "DbResilience__Scheduler__Jobs__backup-weekly__Enabled",
        "DbResilience__Scheduler__Jobs__backup-monthly__Enabled",
    ];

    [Test]
    public async Task WebSample_OnAFreshDatabase_MigratesAtStartAndServesHealthAndStatus()
    {
        var connectionString = await TestServers.CreateDatabaseAsync("web_sample");
        var backups = Directory.CreateTempSubdirectory("web-sample-").FullName;
        Environment.SetEnvironmentVariable(Variables[0], connectionString);
        Environment.SetEnvironmentVariable(Variables[1], backups);
        foreach (var job in Variables.Skip(2))
        {
            Environment.SetEnvironmentVariable(job, "false");
        }

        try
        {
            await using var factory = new WebApplicationFactory<Program>();
            using var client = factory.CreateClient();

            var health = await client.GetAsync(new Uri("/health", UriKind.Relative));
            var status = await health.Content.ReadAsStringAsync();
            health.StatusCode.Should().BeOneOf(HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable);
            status.Should().BeOneOf("Healthy", "Degraded", "Unhealthy");

            var response = await client.GetAsync(new Uri("/dbresilience/status", UriKind.Relative));
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var migrations = json.RootElement.GetProperty("migrations").EnumerateArray().ToList();
            migrations.Should().ContainSingle();
            migrations[0].GetProperty("version").GetString().Should().Be("1");
            migrations[0].GetProperty("name").GetString().Should().Be("create_orders");
            migrations[0].GetProperty("appliedAt").ValueKind.Should().Be(JsonValueKind.String, "the sample migrates at start");
            json.RootElement.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("name").GetString())
                .Should().Contain("backup-daily");

            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT to_regclass('public.orders') IS NOT NULL", connection);
            (await command.ExecuteScalarAsync()).Should().Be(true, "the migration created the table");
        }
        finally
        {
            foreach (var variable in Variables)
            {
                Environment.SetEnvironmentVariable(variable, null);
            }

            Directory.Delete(backups, recursive: true);
        }
    }
}
