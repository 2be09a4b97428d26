// Read local times through each calendar's own VTIMEZONE with Mozilla's ical.js, in one process.
//
// Usage: node offsets.mjs < request.json
// request.json: {"tzid": "Europe/Amsterdam",
//                "calendars": [{"name": "request", "ics": "BEGIN:VCALENDAR..."}, ...],
//                "locals": ["20260329T030000", ...], "instants": [1774746000, ...]}
// For every calendar, each local wall time is read as DTSTART;TZID=<tzid>:<local> inside that
// calendar's VEVENT, so the zone comes from the VTIMEZONE in the file (ical.js ships none of
// its own), and each UTC instant (Unix seconds) is converted to local time in that zone.
// Prints {name: {"parsed": [Unix seconds per local], "local": [wall time per instant]}}.
// Calendars with the same VTIMEZONE text share one reading: ical.js uses nothing else.
import ICAL from "ical.js";

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on("data", (chunk) => chunks.push(chunk));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    process.stdin.on("error", reject);
  });
}

function localText(time) {
  const pad = (value, width = 2) => String(value).padStart(width, "0");
  return `${pad(time.year, 4)}${pad(time.month)}${pad(time.day)}T` +
    `${pad(time.hour)}${pad(time.minute)}${pad(time.second)}`;
}

function readThroughCalendar(ics, tzid, locals, instants) {
  const calendar = new ICAL.Component(ICAL.parse(ics));
  const vtimezones = calendar.getAllSubcomponents("vtimezone")
    .filter((component) => component.getFirstPropertyValue("tzid") === tzid);
  if (vtimezones.length !== 1) {
    throw new Error(`expected one VTIMEZONE ${tzid}, found ${vtimezones.length}`);
  }
  const zone = new ICAL.Timezone(vtimezones[0]);
  ICAL.TimezoneService.register(zone, tzid);
  const vevent = calendar.getFirstSubcomponent("vevent");
  const parsed = locals.map((local) => {
    const property = ICAL.Property.fromString(`DTSTART;TZID=${tzid}:${local}`);
    vevent.addProperty(property);
    const time = property.getFirstValue();
    vevent.removeProperty(property);
    if (time.zone.tzid !== tzid) {
      throw new Error(`${local} was read in zone ${time.zone.tzid}, not ${tzid}`);
    }
    return time.toUnixTime();
  });
  const local = instants.map((instant) =>
    localText(ICAL.Time.fromJSDate(new Date(instant * 1000), true).convertToZone(zone)));
  ICAL.TimezoneService.remove(tzid);
  return { parsed, local };
}

const request = JSON.parse(await readStdin());
const byVtimezone = new Map();
const results = {};
for (const { name, ics } of request.calendars) {
  const vtimezone = new ICAL.Component(ICAL.parse(ics)).getAllSubcomponents("vtimezone")
    .map((component) => component.toString()).join("\n");
  if (!byVtimezone.has(vtimezone)) {
    const { parsed, local } = readThroughCalendar(ics, request.tzid, request.locals,
      request.instants);
    byVtimezone.set(vtimezone, { parsed, local });
  }
  results[name] = byVtimezone.get(vtimezone);
}
process.stdout.write(JSON.stringify(results) + "\n");
