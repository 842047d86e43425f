using DragVideo.Studio.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace DragVideo.Studio.Tests;

/// <summary>The Studio only deletes what it created: a foreign, non-empty --work-dir is refused, never emptied.</summary>
public class WorkFolderTests
{
    private static StudioContext Context(string? workDir) =>
        // The engine is only stored by the context; none of these tests reaches it.
        new(new StudioOptions(new[] { StudioOptions.DefaultUrl }, WorkFolder: workDir), engine: null!, NullLogger.Instance);

    [Fact]
    public void A_non_empty_work_dir_is_refused_on_the_command_line_and_by_the_context_and_its_files_are_kept()
    {
        var dir = Directory.CreateTempSubdirectory("studio-foreign-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "clips"));
            File.WriteAllText(Path.Combine(dir, "clips", "precious.txt"), "mine");
            FluentActions.Invoking(() => StudioCommandLine.Parse(new[] { "--work-dir", dir }))
                .Should().Throw<StudioUsageException>().WithMessage("*not empty*");
            FluentActions.Invoking(() => Context(dir)).Should().Throw<IOException>().WithMessage("*not empty*");
            File.ReadAllText(Path.Combine(dir, "clips", "precious.txt")).Should().Be("mine");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void An_existing_empty_work_dir_is_kept_and_only_what_the_studio_created_is_removed()
    {
        var dir = Directory.CreateTempSubdirectory("studio-empty-").FullName;
        try
        {
            using (var studio = Context(dir))
            {
                studio.OwnsWorkFolder.Should().BeFalse();
                File.WriteAllText(Path.Combine(studio.ClipsFolder, "clip.mp4"), "x");
            }
            Directory.Exists(dir).Should().BeTrue();
            Directory.EnumerateFileSystemEntries(dir).Should().BeEmpty();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_new_work_dir_is_created_and_removed_at_exit()
    {
        string dir = Path.Combine(Path.GetTempPath(), "studio-new-" + Guid.NewGuid().ToString("N"));
        using (var studio = Context(dir))
        {
            studio.OwnsWorkFolder.Should().BeTrue();
            Directory.Exists(studio.UploadsFolder).Should().BeTrue();
        }
        Directory.Exists(dir).Should().BeFalse();
    }

    [Fact]
    public void The_budget_and_body_limits_parse_with_safe_defaults()
    {
        var d = StudioCommandLine.Parse(Array.Empty<string>())!;
        (d.MaxJsonBytes, d.MaxMemoryBytes, d.MaxConcurrentRuns).Should().Be((1L << 20, 4L << 30, 2));
        var o = StudioCommandLine.Parse(new[] { "--max-json-kb", "64", "--max-memory-mb=512", "--max-runs", "1" })!;
        (o.MaxJsonBytes, o.MaxMemoryBytes, o.MaxConcurrentRuns).Should().Be((64L * 1024, 512L << 20, 1));
        FluentActions.Invoking(() => StudioCommandLine.Parse(new[] { "--max-runs", "0" })).Should().Throw<StudioUsageException>();
    }
}
