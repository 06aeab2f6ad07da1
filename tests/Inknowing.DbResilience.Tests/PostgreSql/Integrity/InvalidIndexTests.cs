using Inknowing.DbResilience.PostgreSql.Integrity;
using Inknowing.DbResilience.Restore;

namespace Inknowing.DbResilience.Tests.PostgreSql.Integrity;

public sealed class InvalidIndexTests
{
    private static readonly TableName Table = new("shop", "orders");

    [Test]
    public void Advice_LeftoverOfFailedReindexConcurrently_DropsItInsteadOfRebuilding()
    {
        Index("orders_total_ccnew").Advice().Should().Contain("run: DROP INDEX CONCURRENTLY \"shop\".\"orders_total_ccnew\"; REINDEX INDEX CONCURRENTLY \"shop\".\"orders_total\";");
        Index("orders_total_ccold1").Advice().Should().EndWith("run: DROP INDEX CONCURRENTLY \"shop\".\"orders_total_ccold1\";");
    }

    [Test]
    public void Advice_ExclusionConstraintIndex_RebuildsWithoutConcurrently()
        => (Index("no_overlap") with { IsExclusion = true }).Advice().Should().Contain("exclusion constraint").And.EndWith("run: REINDEX INDEX \"shop\".\"no_overlap\";");

    [Test]
    public void Advice_PartitionedIndex_CreatesAndAttachesTheMissingPartitionIndexes()
    {
        var index = Index("Orders total") with
        {
            IsPartitioned = true,
            DefinitionAfterTable = "USING btree (total)",
            PartitionsWithoutIndex = [new TableName("Mixed.Schema", "orders 2025 other"), new TableName("shop", "orders_2025")],
            PartitionIsPartitioned = [false, true],
        };

        index.Advice().Should().Contain("REINDEX does not make it valid")
            .And.Contain("CREATE INDEX CONCURRENTLY \"orders 2025 other_Orders total\" ON \"Mixed.Schema\".\"orders 2025 other\" USING btree (total); ALTER INDEX \"shop\".\"Orders total\" ATTACH PARTITION \"Mixed.Schema\".\"orders 2025 other_Orders total\";")
            .And.Contain("CREATE INDEX \"orders_2025_Orders total\" ON \"shop\".\"orders_2025\" USING btree (total);");
    }

    private static InvalidIndex Index(string name) => new(new TableName("shop", name), Table, true, false, false, false, false, null, [], []);
}
