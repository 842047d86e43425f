using System.CommandLine;

namespace DragVideo.Cli;

/// <summary>Runs a command body: known errors become one clear line and a non-zero exit code.</summary>
internal static class CliRunner
{
    /// <summary>The global <c>--verbose</c> option: print stack traces on errors.</summary>
    public static readonly Option<bool> Verbose = new("--verbose") { Description = "Print full error details (stack traces).", Recursive = true };

    /// <summary>Exit code for invalid input (bad arguments, request, media).</summary>
    public const int InvalidInput = 2;

    /// <summary>Exit code for other failures.</summary>
    public const int Failure = 1;

    /// <summary>
    /// Host decision for the weight-free commands, made once per process: tracking and warping are many small tensor
    /// operations, which run fastest on one LibTorch thread (the SDK never changes this process-wide setting itself).
    /// </summary>
    public static void UseOneTorchThread()
    {
        TorchRuntime.EnsureLoaded();
        TorchSharp.torch.set_num_threads(1);
    }

    /// <summary>Runs <paramref name="body"/> and maps exceptions to exit codes.</summary>
    public static async Task<int> RunAsync(ParseResult parse, Func<Task<int>> body)
    {
        bool verbose = parse.GetValue(Verbose);
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("error: cancelled.");
            return 130;
        }
        catch (Exception ex) when (ex is InvalidDragRequestException or InvalidMediaException or MemoryBudgetExceededException or ArgumentException
                                       or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            WriteError(ex, verbose);
            return InvalidInput;
        }
        catch (Exception ex) when (ex is DragVideoException or IOException)
        {
            WriteError(ex, verbose);
            return Failure;
        }
        catch (OutOfMemoryException ex)
        {
            Console.Error.WriteLine("error: out of memory; use a smaller --size or fewer frames (--max-frames), or lower --max-memory-mb so such inputs are refused up front.");
            if (verbose) Console.Error.WriteLine(ex.ToString());
            return Failure;
        }
        catch (Exception ex) when (verbose)
        {
            WriteError(ex, verbose);
            return Failure;
        }
    }

    private static void WriteError(Exception ex, bool verbose)
    {
        Console.Error.WriteLine($"error: {ex.Message}");
        if (verbose) Console.Error.WriteLine(ex.ToString());
    }
}
