using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;

// A process whose only work is to protect the database: the built-in jobs (daily, weekly and monthly backups, verification,
// integrity, drills, backup age) on their schedule, one run per instant however many replicas run. Configure it in
// appsettings.json or the environment (DbResilience__PostgreSql__ConnectionString keeps the password out of files).
var builder = Host.CreateApplicationBuilder(args);
var section = builder.Configuration.GetSection("DbResilience");
builder.Services.AddDbResilience(section, b => b
    .UsePostgreSql(section)
    .EnableScheduler());

await builder.Build().RunAsync();
