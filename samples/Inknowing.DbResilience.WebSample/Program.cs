using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Migrations;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;
using Inknowing.DbResilience.Scheduling;
using Inknowing.DbResilience.Telemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

var builder = WebApplication.CreateBuilder(args);

// Everything from the DbResilience section (appsettings.json, or DbResilience__PostgreSql__ConnectionString and the like
// in the environment); what configuration cannot hold is added in code. Every mistake is reported at once at start.
var section = builder.Configuration.GetSection("DbResilience");
var migrations = Path.Combine(builder.Environment.ContentRootPath, "migrations");
builder.Services.AddDbResilience(section, b => b
    .UsePostgreSql(section)
    .AddMigrations(m => m.FromDirectory(migrations))
    .EnableScheduler()
    .EnableHealthChecks());

// The library's meter and activity source, exported by OpenTelemetry (to the console here; OTLP in production).
builder.Services.AddOpenTelemetry()
    .WithMetrics(m => m.AddMeter(DbResilienceTelemetry.Name).AddConsoleExporter())
    .WithTracing(t => t.AddSource(DbResilienceTelemetry.Name).AddConsoleExporter());

var app = builder.Build();

app.MapHealthChecks("/health");

// Read-only: what is applied and what runs when. Nothing here changes the database.
app.MapGet("/dbresilience/status", async (IMigrationRunner runner, IJobSchedule schedule, CancellationToken cancellationToken) =>
{
    var entries = await runner.GetStatusAsync(cancellationToken);
    var now = TimeProvider.System.GetUtcNow();
    return Results.Ok(new
    {
        Migrations = entries.Select(e => new { e.Version, e.Name, Status = e.Status == MigrationState.RolledBack ? "rolled_back" : e.Status.ToString().ToLowerInvariant(), e.AppliedAt }),
        Jobs = schedule.GetJobs(now, nextRuns: 1).Select(j => new { j.Name, j.Cron, j.Enabled, j.Available, NextRun = j.NextRuns.Count > 0 ? j.NextRuns[0] : (DateTimeOffset?)null }),
    });
});

await app.RunAsync();

/// <summary>The sample's entry point, visible to the in-process tests (WebApplicationFactory).</summary>
public partial class Program;
