/**
 * Which tool a header row most likely comes from, for the pre-flight ("looks like a Google
 * Contacts export"). Informative only: the mapping itself never depends on it, so a layout this
 * list does not know is read by the same header understanding.
 */

/** One known export layout: every group must have at least one of its headers. */
interface Layout {
  name: string;
  /** Header keys (lower case, no accents, spaces or punctuation); each inner list needs one match. */
  all: ReadonlyArray<readonly string[]>;
  /** Case-sensitive headers, for vendors told apart by spelling (Brevo's `FIRSTNAME`). */
  exact?: readonly string[];
}

/** Most specific first: the first layout that matches names the source. */
const LAYOUTS: readonly Layout[] = [
  {
    name: 'Google Contacts (Google CSV)',
    all: [
      ['phone1label', 'email1label'],
      ['labels', 'firstname'],
    ],
  },
  {
    name: 'Google Contacts (older Google CSV)',
    all: [
      ['phone1type', 'email1type'],
      ['groupmembership', 'givenname'],
    ],
  },
  {
    name: 'Outlook for Windows',
    all: [
      ['emailaddress'],
      ['mobilephone', 'businessphone'],
      ['businesscountryregion', 'emaildisplayname', 'categories'],
    ],
  },
  {
    name: 'Outlook.com',
    all: [['emailaddress'], ['mobilephone', 'businessphone'], ['homephone', 'homephone2']],
  },
  { name: 'Thunderbird', all: [['primaryemail'], ['displayname', 'mobilenumber']] },
  // Outlook and Thunderbird write their headers in the user's language: Open-Xchange's
  // outlook2007.de_DE/nl_NL.properties, Roundcube's program/localization/*/csv2vcard.inc.
  {
    name: 'Outlook for Windows (German)',
    all: [
      ['emailadresse'],
      ['mobiltelefon', 'telefongeschaftlich'],
      ['landregionprivat', 'landregiongeschaftlich', 'kategorien', 'emailangezeigtername'],
    ],
  },
  {
    name: 'Outlook for Windows (Dutch)',
    all: [['emailadres'], ['mobieletelefoon', 'telefoonopwerk'], ['landregiothuis', 'landregiowerk']],
  },
  { name: 'Outlook for Windows (French)', all: [['adressedemessagerie'], ['telmobile', 'telephonebureau']] },
  {
    name: 'Outlook for Windows (Italian)',
    all: [['indirizzoemail'], ['telefonomobile', 'telefonodilavoro']],
  },
  { name: 'Outlook for Windows (Portuguese)', all: [['enderecodeemail'], ['celular', 'fonecomercial']] },
  { name: 'Thunderbird (German)', all: [['primareemailadresse'], ['anzeigename', 'mobiltelnr']] },
  { name: 'Thunderbird (French)', all: [['adresseelectroniqueprincipale'], ['nomaafficher', 'portable']] },
  { name: 'Thunderbird (Italian)', all: [['emailprincipale'], ['nomevisualizzato', 'numerocellulare']] },
  {
    name: 'Thunderbird (Spanish)',
    all: [['direcciondecorreoelectronicoprincipal'], ['nombreenpantalla', 'telefonomovil']],
  },
  { name: 'Thunderbird (Portuguese)', all: [['emailprimario'], ['mostrarnome']] },
  // Before HubSpot: Zoho also has `Record Id` and `Contact Owner`, but HubSpot has no mailing address.
  {
    name: 'Zoho CRM',
    all: [
      ['recordid'],
      ['mailingcountry', 'mailingstreet'],
      ['emailoptout', 'skypeid', 'asstphone', 'vendorname'],
    ],
  },
  { name: 'HubSpot (all properties)', all: [['recordid'], ['mobilephonenumber']] },
  {
    name: 'HubSpot',
    all: [['recordid'], ['phonenumber', 'email'], ['contactowner', 'leadstatus', 'createdate']],
  },
  {
    name: 'Pipedrive',
    all: [['personname', 'personphone', 'personemail', 'personphonemobile', 'personfirstname']],
  },
  {
    name: 'Salesforce (API names)',
    all: [
      ['mobilephone', 'mailingcountry', 'hasoptedoutofemail'],
      ['firstname'],
      ['mailingcountry', 'mailingcountrycode', 'accountid'],
    ],
  },
  {
    name: 'Salesforce report',
    all: [
      ['mailingcountry', 'contactowner'],
      ['mobile', 'phone'],
      ['accountname', 'contactowner'],
    ],
  },
  { name: 'Mailchimp', all: [['emailaddress'], ['memberrating', 'optintime', 'leid', 'euid']] },
  {
    name: 'Shopify customers',
    all: [
      ['acceptsemailmarketing', 'acceptsmarketing', 'acceptssmsmarketing'],
      ['totalspent', 'totalorders', 'defaultaddresscountrycode'],
    ],
  },
  { name: 'Klaviyo', all: [['emailmarketingconsent', 'smsmarketingconsent', 'klaviyoid', 'smsconsent']] },
  {
    name: 'Brevo',
    all: [['sms', 'smsblacklisted', 'emailblacklisted']],
    exact: ['FIRSTNAME', 'LASTNAME', 'EMAIL', 'SMS'],
  },
];

function key(header: string): string {
  return header
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');
}

/**
 * The tool a header row looks like it was exported from, or `undefined`.
 *
 * @example recogniseLayout(['First Name', 'Phone 1 - Label', 'Phone 1 - Value', 'Labels']) // 'Google Contacts (Google CSV)'
 */
export function recogniseLayout(headers: readonly string[]): string | undefined {
  const keys = new Set(headers.map(key));
  const spelled = new Set(headers.map((header) => header.trim()));
  for (const layout of LAYOUTS) {
    if (!layout.all.every((group) => group.some((candidate) => keys.has(candidate)))) continue;
    if (layout.exact && !layout.exact.some((header) => spelled.has(header))) continue;
    return layout.name;
  }
  return undefined;
}
