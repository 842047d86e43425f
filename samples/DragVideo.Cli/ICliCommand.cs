using System.CommandLine;

namespace DragVideo.Cli;

/// <summary>
/// One CLI command. Every non-abstract implementation in this assembly is discovered at start-up and added to the root
/// command, so adding a command means adding one file under Commands/.
/// </summary>
internal interface ICliCommand
{
    /// <summary>Builds the System.CommandLine command (its action included).</summary>
    Command Build();
}
