namespace Acd.Testing.Sip;

/// <summary>
/// The RFC 4475 / RFC 5118 torture messages, read byte-exact at run time. Prefers the copy in this repository
/// (<c>tests/Acd.Testing/Sip/torture</c>, pinned by SHA256SUMS) and falls back to the CI sibling folder
/// <c>&lt;repo&gt;/../shared/sip-torture</c>.
/// </summary>
public static class TortureCorpus
{
    private static readonly Lazy<string> RootPath = new(Locate);

    /// <summary>The folder holding valid/, invalid/, semantic/ and rfc5118/.</summary>
    public static string Root => RootPath.Value;

    /// <summary>Folder names of the RFC 4475 sets plus the RFC 5118 wire set.</summary>
    public static IReadOnlyList<string> Sets { get; } = ["valid", "invalid", "semantic", "rfc5118/wire"];

    /// <summary>Every case as "set/name" (e.g. "valid/esc01"), sorted.</summary>
    public static IEnumerable<string> AllCases() =>
        Sets.SelectMany(set => Directory.EnumerateFiles(Path.Combine(Root, set), "*.dat")
                .Select(f => set + "/" + Path.GetFileNameWithoutExtension(f)))
            .OrderBy(c => c, StringComparer.Ordinal);

    /// <summary>Cases of one set.</summary>
    public static IEnumerable<string> Cases(string set) => AllCases().Where(c => c.StartsWith(set + "/", StringComparison.Ordinal));

    /// <summary>The bytes of a case ("valid/esc01").</summary>
    public static byte[] Load(string caseName) => File.ReadAllBytes(Path.Combine(Root, caseName + ".dat"));

    /// <summary>The folder that holds Acd.sln, found by walking up from the binaries (or else from the working directory).</summary>
    public static string RepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Acd.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new DirectoryNotFoundException("Acd.sln not found above " + AppContext.BaseDirectory + " or " + Environment.CurrentDirectory);
    }

    private static string Locate()
    {
        var repo = RepositoryRoot();
        foreach (var candidate in new[]
                 {
                     Path.Combine(repo, "tests", "Acd.Testing", "Sip", "torture"),
                     Path.Combine(repo, "..", "shared", "sip-torture"),
                 })
        {
            if (File.Exists(Path.Combine(candidate, "INDEX.md")))
            {
                return Path.GetFullPath(candidate);
            }
        }

        throw new DirectoryNotFoundException("SIP torture corpus not found under " + repo);
    }
}
