using System.CommandLine;
using System.Reflection;
using DragVideo.Cli;

var root = new RootCommand("DragVideo for .NET: edit a video by dragging points (DragVideo, Deng et al.).");
root.Options.Add(CliRunner.Verbose);
foreach (var type in typeof(ICliCommand).Assembly.GetTypes()
             .Where(t => typeof(ICliCommand).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
             .OrderBy(t => t.Name, StringComparer.Ordinal))
{
    var command = (ICliCommand)Activator.CreateInstance(type, nonPublic: true)!;
    root.Subcommands.Add(command.Build());
}

// Ctrl+C / SIGTERM cancel the command's token; commands then remove their staging folders and temporary files, which
// may take a moment (ffmpeg is killed, the edit stops at its next step), so the grace period is longer than the default 2 s.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) }).ConfigureAwait(false);
