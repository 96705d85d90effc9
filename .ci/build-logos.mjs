// Builds public/logos/<slug>.svg for every connector of the catalog manifests: the brand icon
// from the simple-icons npm package (CC0) on its brand colour, or a generated monogram for
// brands the package lacks. Runs at build time; nothing is fetched at run time.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";

const root = new URL("../", import.meta.url);
const manifests = new URL("src/catalog/manifests/", root);
const iconsPackage = new URL("node_modules/simple-icons/", root);
const out = new URL("public/logos/", root);

if (!existsSync(new URL("icons/", iconsPackage))) {
  console.error("build-logos: node_modules/simple-icons is missing; run `npm ci` at the repository root");
  process.exit(1);
}

const brandData = JSON.parse(readFileSync(new URL("data/simple-icons.json", iconsPackage), "utf8"));
const brandHex = new Map(brandData.map((icon) => [icon.slug, icon.hex]));

const escapeXml = (text) =>
  text.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]);

/** Relative luminance of a #rrggbb colour (WCAG). */
function luminance(hex) {
  const channel = (i) => {
    const v = parseInt(hex.slice(i, i + 2), 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
}

function hashHue(text) {
  let h = 2166136261;
  for (const ch of text) h = Math.imul(h ^ ch.codePointAt(0), 16777619);
  return (h >>> 0) % 360;
}

function initials(name) {
  const words = name.replace(/\(.*?\)/g, "").split(/[\s.\-/]+/).filter(Boolean);
  const letters = words.length > 1 ? words[0][0] + words[1][0] : name.replace(/[^A-Za-z0-9]/g, "").slice(0, 2);
  return letters.toUpperCase();
}

function brandLogo(name, paths, hex) {
  const fg = luminance(hex) > 0.45 ? "#111827" : "#ffffff";
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 48 48" role="img"><title>${escapeXml(name)}</title>` +
    `<rect width="48" height="48" rx="10" fill="#${hex}"/>` +
    `<g transform="translate(10 10) scale(1.1667)" fill="${fg}">${paths}</g></svg>\n`;
}

function monogram(slug, name) {
  const hue = hashHue(slug);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 48 48" role="img"><title>${escapeXml(name)}</title>` +
    `<rect width="48" height="48" rx="10" fill="hsl(${hue} 55% 42%)"/>` +
    `<text x="24" y="24" dy="0.35em" text-anchor="middle" fill="#ffffff" font-family="system-ui, sans-serif" ` +
    `font-size="19" font-weight="600">${escapeXml(initials(name))}</text></svg>\n`;
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
let brands = 0;
let monograms = 0;
for (const file of readdirSync(manifests).filter((f) => f.endsWith(".json")).sort()) {
  const manifest = JSON.parse(readFileSync(new URL(file, manifests), "utf8"));
  for (const connector of manifest.connectors) {
    const iconFile = connector.icon ? new URL(`icons/${connector.icon}.svg`, iconsPackage) : null;
    let svg;
    if (iconFile && existsSync(iconFile) && brandHex.has(connector.icon)) {
      const source = readFileSync(iconFile, "utf8");
      const paths = [...source.matchAll(/<path [^>]*\/>/g)].map((m) => m[0]).join("");
      svg = brandLogo(connector.name, paths, brandHex.get(connector.icon));
      brands += 1;
    } else {
      svg = monogram(connector.slug, connector.name);
      monograms += 1;
    }
    writeFileSync(new URL(`${connector.slug}.svg`, out), svg);
  }
}
console.log(`logos: ${brands} brand icons, ${monograms} monograms -> public/logos`);
