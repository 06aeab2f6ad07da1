using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Inknowing.DbResilience.IntegrationTests.Migrations.Adoption;

/// <summary>An application's EF Core context whose migrations EF Core itself applies, writing its real __EFMigrationsHistory.</summary>
internal sealed class ShopContext(string connectionString) : DbContext
{
    protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder)
        => optionsBuilder.UseNpgsql(connectionString)

            // The migrations are written by hand (no model snapshot): what they do is what matters here, not the model.
            .ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));
}

/// <summary>The first EF Core migration: products.</summary>
[DbContext(typeof(ShopContext))]
[Migration("20240101120000_CreateProducts")]
internal sealed class CreateProducts : Migration
{
    public const string Sql = "CREATE TABLE products (id int PRIMARY KEY, name text NOT NULL);";

    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql(Sql);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("DROP TABLE products;");
}

/// <summary>The second EF Core migration: a price column.</summary>
[DbContext(typeof(ShopContext))]
[Migration("20240201090000_AddPrice")]
internal sealed class AddPrice : Migration
{
    public const string Sql = "ALTER TABLE products ADD COLUMN price numeric(10, 2);";

    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql(Sql);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("ALTER TABLE products DROP COLUMN price;");
}
