using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Inknowing.DbResilience.PostgreSql.Backups;

/// <summary>Registers pg_dump backups and the <c>backup_history</c> catalog for the PostgreSQL database.</summary>
internal static class PostgreSqlBackupServices
{
    public static IServiceCollection AddPostgreSqlBackups(this IServiceCollection services)
    {
        services.AddBackupServices();
        services.TryAddSingleton<IBackupTarget, PgDumpBackupTarget>();
        services.TryAddSingleton<IBackupCatalog, PostgreSqlBackupCatalog>();
        return services;
    }
}
