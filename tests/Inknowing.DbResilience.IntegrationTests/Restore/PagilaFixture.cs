using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.PostgreSql;
using Inknowing.DbResilience.PostgreSql.Tools;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.Restore;

/// <summary>Creates a database with the pagila schema and generated rows (the fixture ships no data).</summary>
internal static class PagilaFixture
{
    public static string SchemaFile => Path.Combine(RepositoryPaths.Shared, "fixtures", "pagila", "pagila-schema.sql");

    /// <summary>Creates a pagila database: 6 languages, 200 films, 50 actors, film_actor and film_category for films 1-150, and a table with a quoted non-ASCII name.</summary>
    public static async Task<string> CreateAsync(string prefix)
    {
        var connectionString = await TestServers.CreateDatabaseAsync(prefix);
        await LoadSchemaAsync(connectionString);
        await RestoreTestSupport.ExecuteAsync(connectionString, """"
            INSERT INTO public.language (language_id, name) SELECT i, 'Language ' || i FROM generate_series(1, 6) i;
            INSERT INTO public.film (film_id, title, description, release_year, language_id, original_language_id, length, rating, special_features, fulltext, last_update)
                SELECT i, 'FILM ' || i, 'A story about ' || md5(i::text), 1990 + i % 30, 1 + i % 6, CASE WHEN i % 4 = 0 THEN 2 END, 60 + i % 90,
                       (ARRAY['G', 'PG', 'PG-13', 'R', 'NC-17'])[1 + i % 5]::public.mpaa_rating, ARRAY['Trailers', 'Commentaries'],
                       to_tsvector('english', 'film ' || i), timestamptz '2026-01-01' + i * interval '1 hour'
                FROM generate_series(1, 200) i;
            INSERT INTO public.actor (actor_id, first_name, last_name) SELECT i, 'First' || i, 'Last' || i FROM generate_series(1, 50) i;
            INSERT INTO public.film_actor (actor_id, film_id) SELECT 1 + (f * 7 + k) % 50, f FROM generate_series(1, 150) f, generate_series(1, 3) k;
            INSERT INTO public.category (category_id, name) SELECT i, 'Category ' || i FROM generate_series(1, 5) i;
            INSERT INTO public.film_category (film_id, category_id) SELECT f, 1 + f % 5 FROM generate_series(1, 150) f;
            SELECT setval('public.film_film_id_seq', 200);
            CREATE TABLE public."Fïlm Notes ""Q""" ("Film Id" int REFERENCES public.film (film_id), "Nöte" text);
            INSERT INTO public."Fïlm Notes ""Q""" SELECT i, 'note ' || i FROM generate_series(1, 100) i;
            """");
        return connectionString;
    }

    private static async Task LoadSchemaAsync(string connectionString)
    {
        var start = new ToolStartInfo(ToolLocator.FindClientTool("psql", null));
        LibpqConnection.Apply(start, connectionString);
        start.Arguments.AddRange(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", LibpqConnection.DatabaseOnly(new NpgsqlConnectionStringBuilder(connectionString).Database!), "-f", SchemaFile]);
        await ToolProcess.RunAsync(start, CancellationToken.None);
    }
}
