namespace Inknowing.DbResilience.PostgreSql.Migrations;

/// <summary>A script split into statements, with whether it must run outside a transaction.</summary>
/// <param name="Statements">The statements, in order; comments and blank text between them are left out.</param>
/// <param name="NoTransactionDirective">Whether the script declares <c>-- dbresilience:no-transaction</c>.</param>
internal sealed record SqlScript(IReadOnlyList<SqlStatement> Statements, bool NoTransactionDirective)
{
    /// <summary>Gets a value indicating whether the script runs statement by statement outside a transaction.</summary>
    public bool RunsOutsideTransaction => NoTransactionDirective || Statements.Any(s => s.NonTransactional);

    /// <summary>Gets a value indicating whether any statement's command tag may carry a row count (see <see cref="SqlStatement.ReportsRows"/>).</summary>
    public bool ReportsRows => Statements.Any(s => s.ReportsRows);
}
