/**
 * vCard files in the styles the exporters write, shared by the reader tests and the e2e test.
 * Each is a list of lines; `crlf` joins them as the exporters do.
 */

/** A base64 photo block as iOS folds it (76-character lines, each continuation starting with a space). */
const IOS_PHOTO = [
  'PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAASABIAAD/4QBMRXhpZgAATU0AKgAAAAgAAYdpAAQAAAABAAAAGgAAAAAAA6',
  ' ABAAMAAAABAAEAAKACAAQAAAABAAAAgKADAAQAAAABAAAAgAAAAAD/7QA4UGhvdG9zaG9wIDMuMA',
  ' A4QklNBAQAAAAAAAA4QklNBCUAAAAAABDUHYzZjwCyBOmACZjpCX4=',
];

/** iPhone / iCloud export: vCard 3.0, item groups with X-ABLabel, folded lines, a photo. */
export const IOS_VCF = [
  'BEGIN:VCARD',
  'VERSION:3.0',
  'PRODID:-//Apple Inc.//iPhone OS 17.0//EN',
  'N:Appleseed;Johnny;Q;;',
  'FN:Johnny Appleseed',
  'ORG:Apple Inc.;',
  'EMAIL;type=INTERNET;type=HOME;type=pref:johnny@example.com',
  'TEL;type=HOME;type=VOICE:(415) 555-0100',
  'item1.TEL;type=pref:(415) 555-0132',
  'item1.X-ABLabel:_$!<Mobile>!$_',
  'item2.ADR;type=HOME;type=pref:;;1 Infinite Loop;Cupertino;CA;95014;United St',
  ' ates',
  'item2.X-ABADR:us',
  'NOTE:Met at WWDC\\, 2023',
  ...IOS_PHOTO,
  'END:VCARD',
  'BEGIN:VCARD',
  'VERSION:3.0',
  'N:Lee;Ann;;;',
  'FN:Ann Lee',
  'TEL;type=IPHONE;type=CELL;type=VOICE;type=pref:+1 (415) 555-0133',
  'item1.TEL:+1 415 555 0134',
  'item1.X-ABLabel:iPhone',
  'END:VCARD',
  'BEGIN:VCARD',
  'VERSION:3.0',
  'N:Office;Front;;;',
  'FN:Front Office',
  'TEL;type=WORK;type=VOICE;type=pref:(415) 555-0135',
  'TEL;type=WORK;type=FAX:(415) 555-0136',
  'END:VCARD',
];

/** Android contacts export: vCard 2.1, quoted-printable UTF-8, bare parameters, a 2.1 photo block. */
export const ANDROID_VCF = [
  'BEGIN:VCARD',
  'VERSION:2.1',
  'N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;=C3=89lodie;;;',
  'FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=C3=89lodie M=C3=BCller',
  'TEL;CELL:+33 6 12 34 56 78',
  'TEL;HOME:01 23 45 67 89',
  'EMAIL;HOME:elodie@example.fr',
  'NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Premi=C3=A8re ligne=0D=0A=',
  'Deuxi=C3=A8me ligne',
  'PHOTO;ENCODING=BASE64;JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8U',
  '  HRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/2wBDAQkJCQwLDBgNDRgyIRwh',
  '',
  'END:VCARD',
  'BEGIN:VCARD',
  'VERSION:2.1',
  'N;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:;Grand-m=E8re;;;',
  'TEL;HOME;VOICE:0145678901',
  'X-ANDROID-CUSTOM:vnd.android.cursor.item/nickname;Mamie;1;;;;;;;;;;;;;',
  'END:VCARD',
  'BEGIN:VCARD',
  'VERSION:2.1',
  'N:Sans;Numero;;;',
  'EMAIL;PREF:numero@example.fr',
  'END:VCARD',
];

/** Google Contacts export: vCard 3.0, TYPE=CELL, CATEGORIES with the group names. */
export const GOOGLE_VCF = [
  'BEGIN:VCARD',
  'VERSION:3.0',
  'FN:Priya Patel',
  'N:Patel;Priya;;;',
  'EMAIL;TYPE=INTERNET;TYPE=WORK:priya@work.example',
  'EMAIL;TYPE=INTERNET;TYPE=HOME:priya@home.example',
  'TEL;TYPE=CELL:07911 123456',
  'TEL;TYPE=CELL:07911 123458',
  'TEL;TYPE=WORK:020 7946 0000',
  'ADR;TYPE=HOME:;;10 Downing St;London;;SW1A 2AA;United Kingdom',
  'BDAY:1985-04-15',
  'CATEGORIES:myContacts,Customers',
  'END:VCARD',
  'BEGIN:VCARD',
  'VERSION:4.0',
  'FN:Jane Roe',
  'N:Roe;Jane;;Dr.;',
  'TEL;VALUE=uri;TYPE="voice,home":tel:+49 30 1234567',
  'TEL;VALUE=uri;PREF=1;TYPE="cell,text":tel:+49-151-23456789',
  'CATEGORIES:Friends',
  'END:VCARD',
];

/** Lines joined with CRLF, as every exporter writes them. */
export function crlf(lines: readonly string[]): string {
  return `${lines.join('\r\n')}\r\n`;
}
