// Bundle js/src into localdict_nb/view/static/{widget.js,widget.css}.
//   node build.mjs          build once
//   node build.mjs --watch  rebuild on change
//   node build.mjs --check  build in memory, exit 1 if the committed bundle differs
// The output is deterministic (pinned esbuild, no sourcemaps, no paths, no dates).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = path.resolve(here, "..", "localdict_nb", "view", "static");
const banner = "/* localdict_nb tree view, built from js/src by js/build.mjs: do not edit. */";

/** @type {import("esbuild").BuildOptions} */
const options = {
  absWorkingDir: here,
  entryPoints: [
    { in: "src/widget.js", out: "widget" },
    { in: "src/widget.css", out: "widget" },
  ],
  outdir,
  bundle: true,
  format: "esm",
  target: ["es2020", "chrome100", "firefox100", "safari15"],
  minify: true,
  legalComments: "none",
  charset: "utf8",
  sourcemap: false,
  banner: { js: banner, css: banner },
  logLevel: "info",
};

const mode = process.argv[2];
if (mode === "--watch") {
  const ctx = await esbuild.context(options);
  await ctx.watch();
  console.log(`watching js/src -> ${path.relative(process.cwd(), outdir)}`);
} else if (mode === "--check") {
  const result = await esbuild.build({ ...options, write: false, logLevel: "warning" });
  let stale = 0;
  for (const file of result.outputFiles) {
    const committed = await readFile(file.path).catch(() => Buffer.alloc(0));
    if (!committed.equals(Buffer.from(file.contents))) {
      console.error(`stale bundle: ${path.relative(process.cwd(), file.path)} (run npm run build)`);
      stale += 1;
    }
  }
  process.exit(stale ? 1 : 0);
} else if (mode === undefined) {
  await esbuild.build(options);
} else {
  console.error(`unknown option ${mode}; use --watch or --check`);
  process.exit(2);
}
