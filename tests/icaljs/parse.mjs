// Parse an iCalendar stream from stdin with Mozilla's ical.js and print what a calendar sees as JSON.
//
// Usage: node parse.mjs [occurrences] < invite.ics
// Every time zone comes from the VTIMEZONE inside the file: ical.js ships none of its own
// besides UTC, so a wrong or missing VTIMEZONE shows up as a wrong UTC time or a
// "floating" zone in the output.
import ICAL from "ical.js";

const occurrenceLimit = Number.parseInt(process.argv[2] ?? "10", 10);

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on("data", (chunk) => chunks.push(chunk));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    process.stdin.on("error", reject);
  });
}

function toUtcIso(time) {
  return time.toJSDate().toISOString();
}

function describeAddress(property) {
  return {
    value: property.getFirstValue(),
    cn: property.getParameter("cn") ?? null,
    role: property.getParameter("role") ?? null,
    partstat: property.getParameter("partstat") ?? null,
    rsvp: property.getParameter("rsvp") ?? null,
  };
}

function describeEvent(vevent) {
  const event = new ICAL.Event(vevent);
  const result = {
    uid: event.uid,
    sequence: event.sequence,
    status: vevent.getFirstPropertyValue("status"),
    transp: vevent.getFirstPropertyValue("transp"),
    summary: event.summary,
    location: event.location,
    description: event.description,
    startDate: toUtcIso(event.startDate),
    endDate: toUtcIso(event.endDate),
    startZone: event.startDate.zone.tzid,
    endZone: event.endDate.zone.tzid,
    dtstamp: toUtcIso(vevent.getFirstPropertyValue("dtstamp")),
    organizer: vevent.hasProperty("organizer")
      ? describeAddress(vevent.getFirstProperty("organizer"))
      : null,
    attendees: vevent.getAllProperties("attendee").map(describeAddress),
    rrule: vevent.hasProperty("rrule") ? vevent.getFirstPropertyValue("rrule").toString() : null,
    occurrences: [],
  };
  if (event.isRecurring()) {
    // RecurExpansion (behind event.iterator()) merges RRULE, RDATE and EXDATE.
    const iterator = event.iterator();
    for (let next = iterator.next(); next && result.occurrences.length < occurrenceLimit;
      next = iterator.next()) {
      result.occurrences.push(toUtcIso(next));
    }
  }
  return result;
}

const text = await readStdin();
if (!text.trim()) {
  process.stderr.write("parse.mjs: no iCalendar data on stdin\n");
  process.exit(2);
}
const calendar = new ICAL.Component(ICAL.parse(text));
const timezones = calendar.getAllSubcomponents("vtimezone").map((vtimezone) => {
  const timezone = new ICAL.Timezone(vtimezone);
  ICAL.TimezoneService.register(timezone);
  return timezone.tzid;
});
const output = {
  prodid: calendar.getFirstPropertyValue("prodid"),
  version: calendar.getFirstPropertyValue("version"),
  calscale: calendar.getFirstPropertyValue("calscale"),
  method: calendar.getFirstPropertyValue("method"),
  timezones,
  events: calendar.getAllSubcomponents("vevent").map(describeEvent),
};
process.stdout.write(JSON.stringify(output, null, 2) + "\n");
