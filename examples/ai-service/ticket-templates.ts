/**
 * Handwritten support-ticket templates and slot vocabulary, the only "source"
 * of the dataset. make-data.ts fills them with a seeded PRNG.
 *
 * `batch` tells the data's history: batch 1 are the phrasings of the first
 * ticket export (what v1 was trained on); batch 2 arrived later with new
 * products and new ways of asking. Some templates borrow another class's words
 * on purpose ("charged for an order that never arrived" is billing), so that a
 * good model is good, not perfect.
 */
export const CLASSES = ['account', 'billing', 'shipping', 'technical'] as const;
export type TicketClass = (typeof CLASSES)[number];

export interface Template {
  readonly label: TicketClass;
  readonly batch: 1 | 2;
  readonly text: string;
}

const t = (label: TicketClass, batch: 1 | 2, text: string): Template => ({ label, batch, text });

export const TEMPLATES: readonly Template[] = [
  // billing
  t('billing', 1, 'I was charged twice for my {plan} this month.'),
  t('billing', 1, 'Please refund the {amount} charge from {month}.'),
  t('billing', 1, 'My invoice for {month} shows the wrong amount.'),
  t('billing', 1, 'Why did my card get billed {amount} {when}?'),
  t('billing', 1, 'Can I get a receipt for my last payment of {amount}?'),
  t('billing', 1, 'The price on my invoice is higher than the {plan} I signed up for.'),
  t('billing', 1, 'I cancelled my subscription but you still charged me {amount}.'),
  t('billing', 1, 'I was charged for order {order} but it never arrived, I want my money back.'),
  t('billing', 1, 'There is an unexpected fee on my statement from {month}.'),
  t('billing', 1, 'How do I update the credit card you use for payments?'),
  t('billing', 1, 'Your pricing page says {amount} but checkout took more from my bank.'),
  t('billing', 2, 'I need a VAT invoice for my company for {month}.'),
  t('billing', 2, 'The coupon code was not applied and I paid full price for the {gadget}.'),
  t('billing', 2, 'Please switch me to annual billing and prorate the difference.'),
  t('billing', 2, 'My payment failed at checkout even though my bank says the card is fine.'),
  t('billing', 2, 'Can I pay by bank transfer instead of card for the {plan}?'),

  // technical
  t('technical', 1, 'The {app} crashes every time I open {feature}.'),
  t('technical', 1, 'I get {error} when I try to upload a file.'),
  t('technical', 1, '{feature} stopped working after the latest update on my {device}.'),
  t('technical', 1, 'The {app} is very slow and keeps freezing on my {device}.'),
  t('technical', 1, 'My {gadget} will not connect to wifi.'),
  t('technical', 1, 'The page shows {error} when I click save.'),
  t('technical', 1, 'Sync between my {device} and the web app is broken since {when}.'),
  t('technical', 1, 'The login page shows {error} after I enter my password.'),
  t('technical', 1, 'After installing version {version} the {app} will not start.'),
  t('technical', 1, 'The API returns {error} for every request since {when}.'),
  t('technical', 1, 'Bluetooth pairing with my {gadget} keeps dropping.'),
  t('technical', 2, 'The firmware update bricked my {gadget}, it just blinks red.'),
  t('technical', 2, '{feature} notifications are delayed by hours on my {device}.'),
  t('technical', 2, 'Exported CSV files from {feature} are empty or corrupted.'),
  t('technical', 2, 'The screen flickers and the {gadget} reboots randomly.'),
  t('technical', 2, 'The battery of my {gadget} drains overnight since the update.'),

  // account
  t('account', 1, 'I forgot my password and the reset email never arrives.'),
  t('account', 1, 'How do I change the email address on my account?'),
  t('account', 1, 'Please delete my account and all my personal data.'),
  t('account', 1, 'I can not log in, it says my account is locked.'),
  t('account', 1, 'Someone else may have accessed my account {when}.'),
  t('account', 1, 'I want to change my username to {name}.'),
  t('account', 1, 'How do I enable two factor authentication on my account?'),
  t('account', 1, 'My account was closed after I changed my card, please reopen it.'),
  t('account', 1, 'I lost my {device} and can not get the security code to sign in.'),
  t('account', 1, 'Please merge my two profiles into one.'),
  t('account', 1, 'Add my colleague {name} as an admin on our team workspace.'),
  t('account', 2, 'My verification link has expired, can you send a new one?'),
  t('account', 2, 'I would like to update my name and phone number in my profile.'),
  t('account', 2, 'Remove {name} from our organization, they left the company.'),
  t('account', 2, 'Why was my profile suspended without notice?'),
  t('account', 2, 'Transfer ownership of the workspace from me to {name}.'),

  // shipping
  t('shipping', 1, 'My order {order} has not arrived yet.'),
  t('shipping', 1, 'Where is my package? Tracking has not updated since {when}.'),
  t('shipping', 1, 'The {gadget} arrived damaged, the box was crushed.'),
  t('shipping', 1, 'Can I change the delivery address for order {order}?'),
  t('shipping', 1, '{carrier} says delivered but I never received the parcel.'),
  t('shipping', 1, 'How long does shipping to {country} take?'),
  t('shipping', 1, 'I received the wrong item in order {order}.'),
  t('shipping', 1, 'My package with the {gadget} is late, when will it come?'),
  t('shipping', 1, 'The courier left my parcel at the wrong door.'),
  t('shipping', 1, 'Do you ship to {country} and who pays the customs fees?'),
  t('shipping', 1, 'I want to return the {gadget}, please send me a return label.'),
  t('shipping', 2, 'My delivery is stuck in customs in {country}.'),
  t('shipping', 2, 'Half of order {order} is missing from the box.'),
  t('shipping', 2, 'Can you upgrade order {order} to express delivery?'),
  t('shipping', 2, 'The tracking number you sent me does not work on the {carrier} site.'),
  t('shipping', 2, 'The {gadget} was sent to my old address in {country}.'),
];

/**
 * Paraphrases written by hand for the golden set (and seen in live traffic),
 * never used for training: the golden set measures whether a model
 * generalises, not whether it memorised the templates.
 */
export const HELD_OUT_TEMPLATES: readonly Template[] = [
  t('billing', 1, 'Two payments for the same {plan} showed up on my bank statement.'),
  t('billing', 1, 'I think I paid too much last month, can you check the amount?'),
  t('billing', 1, 'How can I get my money back for the {plan}?'),
  t('billing', 1, 'Stop charging my card, I cancelled weeks ago.'),
  t('technical', 1, 'Nothing loads in the {app}, just {error}.'),
  t('technical', 1, 'The {gadget} keeps disconnecting from the network.'),
  t('technical', 1, 'Uploading files fails half way with {error}.'),
  t('technical', 1, 'Since the last update {feature} does not open at all.'),
  t('account', 1, 'The password reset link does not work for me.'),
  t('account', 1, 'Please close my profile and erase my data.'),
  t('account', 1, 'I need to change the email I use to sign in.'),
  t('account', 1, 'My login is blocked after too many attempts.'),
  t('shipping', 1, 'The parcel still has not shown up, it has been two weeks.'),
  t('shipping', 1, 'Tracking shows my package in {country} for days.'),
  t('shipping', 1, 'The box came open and the {gadget} inside was broken.'),
  t('shipping', 1, 'Please send order {order} to a different address.'),
];

/**
 * Sentences any ticket may carry, whatever its class. Several mention another
 * class's words (account, order, app, card) so that words alone do not decide.
 */
export const OPENERS: readonly string[] = [
  '', '', '', 'Hi,', 'Hello,', 'Hi support,', 'Hello team,', 'Hey,', 'Good morning,', 'Urgent:', 'Quick question:',
];

export const CONTEXT: readonly string[] = [
  '', '', '', '', '',
  'My account number is {accountNo}.',
  'I have been a customer for {years} years.',
  'I use the {app} on my {device}.',
  'I already contacted you {when}.',
  'This is about order {order}.',
  'I am on the {plan}.',
  'I tried again this morning.',
];

export const CLOSERS: readonly string[] = [
  '', '', '', 'Thanks.', 'Thank you!', 'Please help.', 'Regards, {name}', 'Thanks, {name}', 'This is urgent.', 'Please fix this asap.',
];

export const SLOTS: Readonly<Record<string, readonly string[]>> = {
  plan: ['Pro plan', 'Team plan', 'Basic plan', 'Family plan', 'Business plan', 'Starter plan'],
  amount: ['$9.99', '$19', '$49', '$120', '$15.50', '$299', '$5', '$75'],
  month: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
  when: ['yesterday', 'this morning', 'last week', 'two days ago', 'on Monday', 'since Friday', 'last night'],
  order: ['A10293', 'B55821', 'C20417', 'D88310', 'E41276', 'F90034', 'G12658', 'H73309', 'K60921', 'M31785'],
  gadget: ['smart speaker', 'router', 'headphones', 'camera', 'smartwatch', 'thermostat', 'doorbell', 'tablet stand'],
  app: ['mobile app', 'desktop app', 'web app', 'app', 'browser extension'],
  feature: ['the dashboard', 'search', 'reports', 'the calendar', 'file sharing', 'chat', 'the editor', 'backups'],
  device: ['iPhone', 'Android phone', 'laptop', 'Windows PC', 'Mac', 'tablet', 'Chromebook'],
  error: ['error 500', 'a blank screen', 'timeout errors', 'error code E42', 'an unknown error', 'error 403', 'a spinning wheel'],
  carrier: ['UPS', 'FedEx', 'DHL', 'USPS', 'The courier', 'Royal Mail'],
  country: ['Canada', 'Germany', 'France', 'Spain', 'Australia', 'Japan', 'Brazil', 'Ireland'],
  name: ['Anna', 'Ben', 'Carla', 'David', 'Emma', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jonas', 'Kemal', 'Lena'],
  version: ['4.2', '4.3.1', '5.0', '5.0.2', '3.9'],
  accountNo: ['100234', '884120', '553019', '712938', '240017'],
  years: ['two', 'three', 'five', 'ten'],
};

/**
 * Live-only inputs, never in train or golden: tickets from customers who
 * write in Spanish, French or German, with accents and emoji. They are what
 * the ASCII-only golden set cannot show.
 */
export const FOREIGN_TEMPLATES: readonly Template[] = [
  t('billing', 1, 'Mi factura está mal 😡'),
  t('billing', 1, 'Me cobraron dos veces este mes, ¿por qué?'),
  t('billing', 1, 'J’ai été débité deux fois pour le {plan}.'),
  t('billing', 1, 'Ich wurde doppelt belastet, bitte Rückerstattung.'),
  t('technical', 1, 'La aplicación se cierra sola en mi {device} 😤'),
  t('technical', 1, 'L’application plante à chaque démarrage.'),
  t('technical', 1, 'Die App stürzt ständig ab.'),
  t('account', 1, 'No puedo iniciar sesión en mi cuenta.'),
  t('account', 1, 'J’ai oublié mon mot de passe 🙏'),
  t('account', 1, 'Bitte löschen Sie mein Konto.'),
  t('shipping', 1, '¿Dónde está mi pedido {order}? 📦'),
  t('shipping', 1, 'Où est ma commande {order} ?'),
  t('shipping', 1, 'Mein Paket ist noch nicht angekommen.'),
];

/** Ways an English ticket picks up non-ASCII characters in real traffic (emoji, curly quotes, names, €). */
export const UNICODE_TOUCHES: readonly ((text: string) => string)[] = [
  (s) => `${s} 😡`,
  (s) => `${s} 🙏`,
  (s) => `${s} 📦`,
  (s) => `“${s}”`,
  (s) => `${s} Merci, José`,
  (s) => `${s} Thanks, Zoë Müller`,
  (s) => `${s} — François`,
  (s) => (s.includes('$') ? s.replace(/\$/g, '€') : `${s} Sent from my iPhone ✉️`),
];
