using NpgsqlTypes;

namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>What the structural check of one WAL segment found.</summary>
/// <param name="Problem">What is wrong, or <see langword="null"/> when the segment is sound.</param>
/// <param name="Records">The records that start and end in the segment and passed their CRC-32C check.</param>
/// <param name="LastRecordStart">Where the last such record starts; <see langword="null"/> when none does.</param>
/// <param name="LastRecordEnd">
/// Where replay stands after that record: its end, or the end of the segment after a WAL switch record (as PostgreSQL counts).
/// </param>
internal sealed record WalSegmentCheck(string? Problem, int Records, NpgsqlLogSequenceNumber? LastRecordStart, NpgsqlLogSequenceNumber? LastRecordEnd);
