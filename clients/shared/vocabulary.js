// vocabulary.js - names for the facts of rules/vocabulary.json in nb, nn,
// da and en.
//
// The daemon checks facts against its own vocabulary; this is only how
// people see them (the start form's known facts, the trail). A fact or value
// missing here is shown by its id, so a vocabulary that grows ahead of this
// file stays usable. Rows: [value, nb, nn, da, en, only-in-country?].

const L = ['nb', 'nn', 'da', 'en'];

const FACTS = [
  ['on_behalf', ['På vegne av', 'På vegner av', 'På vegne af', 'On behalf of'], [
    ['self', 'Seg selv', 'Seg sjølv', 'Sig selv', 'Themselves'],
    ['another_person', 'En annen person', 'Ein annan person', 'En anden person', 'Another person'],
    ['organisation', 'En virksomhet', 'Ei verksemd', 'En virksomhed', 'An organisation'],
  ]],
  ['relation', ['Forhold', 'Forhold', 'Relation', 'Relation'], [
    ['adult_child_for_parent', 'Voksent barn for forelder', 'Vakse barn for forelder', 'Voksent barn for forælder', 'Adult child for a parent'],
    ['parent_for_child', 'Forelder for barn', 'Forelder for barn', 'Forælder for barn', 'Parent for a child'],
    ['guardian', 'Verge', 'Verje', 'Værge', 'Guardian'],
    ['spouse_or_partner', 'Ektefelle eller samboer', 'Ektefelle eller sambuar', 'Ægtefælle eller samlever', 'Spouse or partner'],
    ['other_family', 'Annen familie', 'Anna familie', 'Anden familie', 'Other family'],
    ['friend_or_neighbour', 'Venn eller nabo', 'Ven eller nabo', 'Ven eller nabo', 'Friend or neighbour'],
    ['professional_helper', 'Hjelper i jobb', 'Hjelpar i jobb', 'Professionel hjælper', 'Professional helper'],
    ['other', 'Annet', 'Anna', 'Andet', 'Other'],
  ]],
  ['topic', ['Tema', 'Tema', 'Emne', 'Topic'], [
    ['login', 'Innlogging og eID', 'Innlogging og eID', 'Log-in og eID', 'Login and eID'],
    ['digital_post', 'Digital post eller papirpost', 'Digital post eller papirpost', 'Digital Post eller papirpost', 'Digital or paper post'],
    ['power_of_attorney', 'Fullmakt og tilgang', 'Fullmakt og tilgang', 'Fuldmagt og adgang', 'Power of attorney and access'],
    ['case_matter', 'Spørsmål til en etat (ytelse, skatt, pass, flytting …)', 'Spørsmål til ein etat (yting, skatt, pass, flytting …)', 'Spørgsmål til en myndighed (ydelse, skat, pas, flytning …)', 'A question for an agency (benefit, tax, passport, moving …)'],
    ['deceased_estate', 'Dødsbo', 'Dødsbu', 'Dødsbo', 'Estate of a deceased person'],
    ['fraud', 'Svindel og ID-tyveri', 'Svindel og ID-tjuveri', 'Svindel og identitetstyveri', 'Fraud and identity theft'],
  ]],
  ['service', ['Tjeneste', 'Teneste', 'Tjeneste', 'Service'], [
    ['general', 'Ingen bestemt (eID, post generelt)', 'Ingen bestemd (eID, post generelt)', 'Ingen bestemt (eID, post generelt)', 'None in particular (eID, post in general)'],
    ['tax', 'Skatt', 'Skatt', 'Skat', 'Tax'],
    ['population_register', 'Folkeregisteret (flytting, adresse)', 'Folkeregisteret (flytting, adresse)', 'Folkeregistrering (flytning, adresse)', 'Population register (moving, address)'],
    ['welfare_benefit', 'Pensjon og trygd', 'Pensjon og trygd', 'Pension og ydelser', 'Pension and welfare benefits'],
    ['housing_benefit', 'Bostøtte', 'Bustøtte', 'Boligstøtte', 'Housing benefit'],
    ['housing_loan', 'Startlån fra kommunen', 'Startlån frå kommunen', 'Startlån fra kommunen', 'Start-up loan from the municipality', 'no'],
    ['social_assistance', 'Økonomisk sosialhjelp', 'Økonomisk sosialhjelp', 'Økonomisk hjælp', 'Social assistance'],
    ['health_portal', 'Helseportal (helsenorge.no, sundhed.dk)', 'Helseportal (helsenorge.no, sundhed.dk)', 'Sundhedsportal (helsenorge.no, sundhed.dk)', 'Health portal (helsenorge.no, sundhed.dk)'],
    ['gp_and_health_refunds', 'Fastlege, frikort og refusjon', 'Fastlege, frikort og refusjon', 'Fastlæge, frikort og refusion', 'Regular GP, exemption card, refunds', 'no'],
    ['altinn', 'Altinn', 'Altinn', 'Altinn', 'Altinn', 'no'],
    ['driving_and_vehicles', 'Førerkort og kjøretøy', 'Førarkort og køyretøy', 'Kørekort og køretøjer', 'Driving licence and vehicles'],
    ['digital_mailbox', 'Digital postkasse', 'Digital postkasse', 'Digital postkasse', 'Digital mailbox'],
    ['mailbox_eboks', 'e-Boks', 'e-Boks', 'e-Boks', 'e-Boks'],
    ['mailbox_digipost', 'Digipost', 'Digipost', 'Digipost', 'Digipost', 'no'],
    ['mailbox_mitdk', 'mit.dk', 'mit.dk', 'mit.dk', 'mit.dk', 'dk'],
    ['patient_record', 'Pasientjournal hos sykehus eller lege', 'Pasientjournal hos sjukehus eller lege', 'Journal fra sygehus eller læge', 'Patient record at a hospital or doctor'],
    ['health_card', 'Gult helsekort og legevalg', 'Gult helsekort og legeval', 'Sundhedskort og lægevalg', 'Health card and choice of doctor', 'dk'],
    ['eu_health_card', 'Europeisk helsetrygdkort', 'Europeisk helsetrygdkort', 'Blåt EU-sygesikringskort', 'European health insurance card'],
    ['child_support_payment', 'Barnebidrag som ikke blir betalt', 'Barnebidrag som ikkje blir betalt', 'Børnebidrag, der ikke bliver betalt', 'Child support that is not paid'],
    ['child_placement', 'Barn og unge: plassering utenfor hjemmet', 'Barn og unge: plassering utanfor heimen', 'Børn og unge: anbringelse', 'Children and young people: placement'],
    ['passport', 'Pass og ID-kort', 'Pass og ID-kort', 'Pas og ID-kort', 'Passport and ID card'],
    ['police_certificate', 'Politiattest', 'Politiattest', 'Straffeattest eller børneattest', 'Police certificate'],
    ['student_finance', 'Studielån og stipend (Lånekassen, SU)', 'Studielån og stipend (Lånekassen, SU)', 'SU og studielån', 'Student finance (Lånekassen, SU)'],
    ['immigration', 'Opphold, visum, statsborgerskap', 'Opphald, visum, statsborgarskap', 'Opholdstilladelse, visum, statsborgerskab', 'Residence, visa, citizenship'],
    ['public_debt', 'Gjeld til det offentlige', 'Gjeld til det offentlege', 'Gæld til det offentlige', 'Debt to the public sector'],
    ['online_banking', 'Nettbank', 'Nettbank', 'Netbank', 'Online banking'],
    ['nemkonto', 'NemKonto', 'NemKonto', 'NemKonto', 'NemKonto', 'dk'],
    ['guardianship', 'Verge for voksen', 'Verje for vaksen', 'Værge for voksen', 'Guardian for an adult'],
    ['family_law', 'Foreldreansvar, samvær, bidrag, skilsmisse', 'Foreldreansvar, samvær, bidrag, skilsmål', 'Forældremyndighed, samvær, bidrag, skilsmisse', 'Custody, contact, child support, divorce'],
    ['municipal_care', 'Kommunale helse- og omsorgstjenester', 'Kommunale helse- og omsorgstenester', 'Kommunal hjemmepleje og omsorg', 'Municipal health and care services'],
    ['municipality', 'Varsler og regninger fra kommunen', 'Varsel og rekningar frå kommunen', 'Varsler og regninger fra kommunen', 'Notices and bills from the municipality', 'no'],
    ['private_debt_collection', 'Krav fra et inkassoselskap', 'Krav frå eit inkassoselskap', 'Krav fra et inkassofirma', 'A claim from a debt collection agency'],
    ['election', 'Valg og valgkort', 'Val og valkort', 'Valg og valgkort', 'Elections and the election card'],
  ]],
  ['login_method', ['eID', 'eID', 'eID', 'eID'], [
    ['minid', 'MinID', 'MinID', 'MinID', 'MinID', 'no'],
    ['bankid', 'BankID', 'BankID', 'BankID', 'BankID', 'no'],
    ['buypass', 'Buypass ID', 'Buypass ID', 'Buypass ID', 'Buypass ID', 'no'],
    ['commfides', 'Commfides', 'Commfides', 'Commfides', 'Commfides', 'no'],
    ['mitid', 'MitID', 'MitID', 'MitID', 'MitID', 'dk'],
    ['mitid_erhverv', 'MitID Erhverv', 'MitID Erhverv', 'MitID Erhverv', 'MitID Erhverv', 'dk'],
    ['nemid', 'NemID', 'NemID', 'NemID', 'NemID', 'dk'],
    ['eu_eid', 'Utenlandsk eID (EU/EØS)', 'Utanlandsk eID (EU/EØS)', 'Udenlandsk eID (EU/EØS)', 'Foreign eID (EU/EEA)'],
    ['none', 'Har ingen eID', 'Har ingen eID', 'Har ingen eID', 'Has no eID'],
    ['service_account', 'Tjenestens egen brukerkonto', 'Tenesta sin eigen brukarkonto', 'Tjenestens egen brugerkonto', 'The service\'s own user account'],
    ['enterprise_certificate', 'Virksomhetssertifikat', 'Verksemdssertifikat', 'Virksomhedscertifikat', 'Enterprise certificate', 'no'],
    ['enterprise_certificate_commfides', 'Virksomhetssertifikat fra Commfides', 'Verksemdssertifikat frå Commfides', 'Virksomhedscertifikat fra Commfides', 'Enterprise certificate from Commfides', 'no'],
  ]],
  ['login_problem', ['Problem med innlogging', 'Problem med innlogging', 'Problem med log-in', 'Login problem'], [
    ['forgotten_password', 'Glemt passord eller PIN', 'Gløymt passord eller PIN', 'Glemt adgangskode eller PIN', 'Forgotten password or PIN'],
    ['phone_number_changed', 'Nytt mobilnummer eller e-post', 'Nytt mobilnummer eller e-post', 'Nyt mobilnummer eller e-mail', 'New phone number or e-mail'],
    ['locked_after_wrong_attempts', 'Sperret etter feil forsøk', 'Sperra etter feil forsøk', 'Spærret efter forkerte forsøg', 'Locked after wrong attempts'],
    ['eid_blocked', 'eID sperret eller suspendert', 'eID sperra eller suspendert', 'eID spærret eller suspenderet', 'eID blocked or suspended'],
    ['lost_or_stolen', 'Mistet eller stjålet', 'Mista eller stole', 'Mistet eller stjålet', 'Lost or stolen'],
    ['new_phone', 'Ny telefon', 'Ny telefon', 'Ny telefon', 'New phone'],
    ['suspected_misuse', 'Mistanke om misbruk', 'Mistanke om misbruk', 'Mistanke om misbrug', 'Suspected misuse'],
    ['security_level_too_low', 'For lavt sikkerhetsnivå', 'For lågt tryggleiksnivå', 'For lavt sikringsniveau', 'Security level too low'],
    ['wants_new_eid', 'Vil ha (ny) eID', 'Vil ha (ny) eID', 'Vil have (ny) eID', 'Wants a (new) eID'],
    ['lacks_id_document', 'Mangler pass/ID eller smarttelefon', 'Manglar pass/ID eller smarttelefon', 'Mangler pas/ID eller smartphone', 'Lacks passport/ID or smartphone'],
    ['no_national_id_number', 'Har ikke fødsels- eller D-nummer', 'Har ikkje fødsels- eller D-nummer', 'Har ikke CPR-nummer', 'No national ID number'],
    ['old_login_method', 'Gammel innloggingsmetode', 'Gammal innloggingsmetode', 'Gammel log-in-metode', 'Old login method'],
    ['foreign_eid', 'Vil bruke utenlandsk eID', 'Vil bruke utanlandsk eID', 'Vil bruge udenlandsk eID', 'Wants to use a foreign eID'],
    ['login_fails', 'Innloggingen feiler (annet)', 'Innlogginga feilar (anna)', 'Log-in fejler (andet)', 'Login fails (other)'],
    ['code_display_broken', 'Kodeviser eller kodebrikke virker ikke', 'Kodevisar eller kodebrikke verkar ikkje', 'Kodeviser eller kodeoplæser virker ikke', 'Code display or token broken'],
    ['needs_accessible_login', 'Trenger tilgjengelig innlogging (syn, hørsel)', 'Treng tilgjengeleg innlogging (syn, høyrsel)', 'Har brug for tilgængeligt log-in (syn, hørelse)', 'Needs an accessible login (sight, hearing)'],
    ['no_smartphone', 'Har ikke smarttelefon', 'Har ikkje smarttelefon', 'Har ikke smartphone', 'Has no smartphone'],
    ['forgotten_user_id', 'Glemt brukernavn', 'Gløymt brukarnamn', 'Glemt bruger-ID', 'Forgotten user ID'],
    ['activation_code_problem', 'Aktiveringskode mangler, er utløpt eller virker ikke', 'Aktiveringskode manglar, er gått ut eller verkar ikkje', 'Aktiveringskode mangler, er udløbet eller virker ikke', 'Activation code missing, expired or refused'],
    ['eid_expired', 'eID-en er utløpt', 'eID-en er utgått', 'eID\'en er udløbet', 'The eID has expired', 'no'],
    ['eid_expiring', 'eID-en utløper snart', 'eID-en går snart ut', 'eID\'en udløber snart', 'The eID expires soon', 'no'],
    ['password_seen_by_other', 'Noen kan ha sett passordet', 'Nokon kan ha sett passordet', 'Nogen kan have set adgangskoden', 'Someone may have seen the password'],
    ['eid_lent_to_other', 'eID lånt bort til en annen', 'eID lånt bort til ein annan', 'eID lånt ud til en anden', 'eID lent to someone else'],
    ['passport_scan_fails', 'Appen kan ikke lese passet', 'Appen kan ikkje lese passet', 'Appen kan ikke scanne passet', 'The app cannot scan the passport'],
    ['adding_authenticator', 'Legge til en ny måte å logge inn på', 'Leggje til ein ny måte å logge inn på', 'Tilføje en ny måde at logge på', 'Adding another way to log in', 'dk'],
    ['private_mitid_for_business', 'Egen e-ID (BankID, MitID) til egen virksomhet', 'Eiga e-ID (BankID, MitID) til eiga verksemd', 'Privat eID (MitID, BankID) til egen virksomhed', 'Own private eID for one\'s own business'],
    ['helping_other_get_mitid', 'Hjelper en annen å få MitID', 'Hjelper ein annan å få MitID', 'Hjælper en anden med at få MitID', 'Helping someone else get MitID', 'dk'],
    ['foreign_passport', 'Utenlandsk statsborger eller pass', 'Utanlandsk statsborgar eller pass', 'Udenlandsk statsborger eller pas', 'Foreign citizen or passport'],
    ['phone_broken', 'Telefonen er ødelagt', 'Telefonen er øydelagd', 'Telefonen er i stykker', 'The phone is broken'],
    ['no_registered_address', 'Ingen eller gammel adresse i Folkeregisteret', 'Inga eller gammal adresse i Folkeregisteret', 'Ingen eller gammel adresse i folkeregistret', 'No or an old address in the population register', 'no'],
  ]],
  ['other_access', ['Annen måte å bekrefte hvem man er', 'Anna måte å stadfeste kven ein er', 'Anden måde at bekræfte identitet', 'Another way to confirm identity'], [
    ['has_other_access', 'Har en annen måte (gammel telefon, kodebrikke, annen eID, pass)', 'Har ein annan måte (gammal telefon, kodebrikke, anna eID, pass)', 'Har en anden måde (gammel telefon, kodeviser, anden eID, pas)', 'Has another way (old phone, code token, another eID, passport)'],
    ['no_other_access', 'Har ingen annen måte', 'Har ingen annan måte', 'Har ingen anden måde', 'Has no other way'],
    ['only_in_person', 'Ingen annen måte, heller ikke på telefon: bare ved oppmøte', 'Ingen annan måte, heller ikkje på telefon: berre ved oppmøte', 'Ingen anden måde, heller ikke i telefonen: kun ved fremmøde', 'No other way, not by phone either: only in person'],
  ]],
  ['need', ['Behov', 'Behov', 'Behov', 'Need'], [
    ['wants_paper_letters', 'Vil ha brev på papir', 'Vil ha brev på papir', 'Vil have breve på papir', 'Wants letters on paper'],
    ['asks_about_digital_post_rules', 'Spør om reglene for digital post', 'Spør om reglane for digital post', 'Spørger om reglerne for Digital Post', 'Asks about digital post rules'],
    ['asks_about_rules', 'Spør hvordan reglene er, eller hvordan man søker', 'Spør korleis reglane er, eller korleis ein søkjer', 'Spørger, hvordan reglerne er, eller hvordan man søger', 'Asks how the rules work, or how to apply'],
    ['wants_contact_details_changed', 'Vil endre kontaktopplysninger', 'Vil endre kontaktopplysningar', 'Vil ændre kontaktoplysninger', 'Wants contact details changed'],
    ['wants_contact_details_deleted', 'Vil slette kontaktopplysninger', 'Vil slette kontaktopplysningar', 'Vil slette kontaktoplysninger', 'Wants contact details deleted'],
    ['letter_missing', 'Brev har ikke kommet', 'Brev har ikkje kome', 'Brev er ikke kommet', 'Letter missing'],
    ['needs_usage_help', 'Trenger hjelp til å bruke en tjeneste', 'Treng hjelp til å bruke ei teneste', 'Har brug for hjælp til en selvbetjening', 'Needs help using a service'],
    ['wants_personal_help', 'Vil ha noen som sitter sammen og viser', 'Vil ha nokon som sit saman og viser', 'Vil have nogen til at sidde med og vise', 'Wants someone to sit with them and show them', 'no'],
    ['exempt_from_self_service', 'Vil søke på papir i stedet for digitalt', 'Vil søkje på papir i staden for digitalt', 'Vil fritages for digital selvbetjening', 'Wants to apply on paper, not online', 'dk'],
    ['wants_to_give_access', 'Vil gi andre tilgang', 'Vil gi andre tilgang', 'Vil give andre adgang', 'Wants to give someone access'],
    ['wants_to_withdraw_access', 'Vil trekke tilbake en tilgang', 'Vil trekkje tilbake ein tilgang', 'Vil trække en adgang tilbage', 'Wants to withdraw access'],
    ['wants_lasting_poa', 'Vil lage en fremtidsfullmakt', 'Vil lage ei framtidsfullmakt', 'Vil lave en fremtidsfuldmagt', 'Wants to make a lasting power of attorney'],
    ['wants_to_act_for_other', 'Vil handle for en annen', 'Vil handle for ein annan', 'Vil handle for en anden', 'Wants to act for someone else'],
    ['wants_to_use_others_eid', 'Vil bruke en annens eID', 'Vil bruke ein annan sin eID', 'Vil bruge en andens eID', "Wants to use another person's eID"],
    ['person_lacks_capacity', 'Personen kan ikke ivareta egne saker', 'Personen kan ikkje ta vare på eigne saker', 'Personen kan ikke varetage egne forhold', 'The person lacks capacity'],
    ['parental_consent_needed', 'Trenger samtykke fra foreldre', 'Treng samtykke frå foreldre', 'Kræver forældres samtykke', 'Parental consent needed'],
    ['case_question', 'Spørsmål om en sak (status, beløp, utbetaling)', 'Spørsmål om ei sak (status, beløp, utbetaling)', 'Spørgsmål om en sag (status, beløb, udbetaling)', 'Question about a case (status, amount, payment)'],
    ['disagrees_with_decision', 'Uenig i et vedtak', 'Usamd i eit vedtak', 'Uenig i en afgørelse', 'Disagrees with a decision'],
    ['urgent_need_for_money', 'Akutt behov for penger', 'Akutt behov for pengar', 'Akut brug for penge', 'Urgent need for money'],
    ['reserve_against_marketing', 'Vil slippe telefonsalg og reklame', 'Vil sleppe telefonsal og reklame', 'Vil undgå telefonsalg og reklame', 'Wants no telemarketing or advertising'],
    ['wants_digital_mailbox', 'Vil ha digital postkasse', 'Vil ha digital postkasse', 'Vil have digital postkasse', 'Wants a digital mailbox'],
    ['mailbox_setup_fails', 'Får ikke opprettet digital postkasse', 'Får ikkje oppretta digital postkasse', 'Kan ikke oprette digital postkasse', 'Cannot create the digital mailbox', 'no'],
    ['letter_content_question', 'Spør om innholdet i et brev', 'Spør om innhaldet i eit brev', 'Spørger om indholdet i et brev', 'Asks about a letter\'s content'],
    ['business_use', 'Gjelder en virksomhet', 'Gjeld ei verksemd', 'Gælder en virksomhed', 'For a business'],
    ['estate_status_unknown', 'Vet ikke hvordan det står til med dødsboet', 'Veit ikkje korleis det står til med dødsbuet', 'Ved ikke, hvordan det står til med dødsboet', 'Does not know the state of the estate'],
    ['needs_id_document', 'Trenger pass, ID-kort eller førerkort', 'Treng pass, ID-kort eller førarkort', 'Har brug for pas, ID-kort eller kørekort', 'Needs a passport, ID card or driving licence'],
    ['suspicious_message', 'Lurer på om en melding eller oppringning er ekte', 'Lurer på om ei melding eller oppringing er ekte', 'Er i tvivl om en besked eller et opkald er ægte', 'Unsure whether a message or call is genuine'],
    ['card_details_given', 'Har gitt kortopplysninger til svindlere', 'Har gitt kortopplysningar til svindlarar', 'Har givet kortoplysninger til svindlere', 'Has given card details to fraudsters'],
    ['wants_other_guardian', 'Vil ha en annen verge', 'Vil ha ei anna verje', 'Vil have en anden værge', 'Wants another guardian'],
    ['letter_from_company', 'Brev fra et privat selskap', 'Brev frå eit privat selskap', 'Brev fra en privat virksomhed', 'Letter from a private company'],
    ['wants_to_step_down', 'Vil trekke seg som fullmektig eller verge', 'Vil trekkje seg som fullmektig eller verje', 'Vil træde tilbage som fuldmægtig eller værge', 'Wants to step down as attorney or guardian'],
    ['private_sender_post', 'Post fra private avsendere', 'Post frå private avsendarar', 'Post fra private afsendere', 'Post from private senders'],
    ['closed_organisation_post', 'Digital post til en nedlagt virksomhet', 'Digital post til ei nedlagd verksemd', 'Digital Post til en lukket virksomhed', 'Digital post for a closed business'],
    ['death_next_steps', 'Noen er nettopp død: hva nå?', 'Nokon er nettopp død: kva no?', 'Nogen er lige død: hvad nu?', 'Someone has just died: what now?'],
  ]],
  ['eid_status', ['eID-nivå', 'eID-nivå', 'eID-niveau', 'eID level'], [
    ['high_level', 'Har eID på høyt nivå', 'Har eID på høgt nivå', 'Har eID på højt niveau', 'Has a high-level eID'],
    ['minid_only', 'Har bare MinID', 'Har berre MinID', 'Har kun MinID', 'Has MinID only', 'no'],
    ['none', 'Har ingen eID', 'Har ingen eID', 'Har ingen eID', 'Has no eID'],
  ]],
  ['authority', ['Rett til å handle', 'Rett til å handle', 'Ret til at handle', 'Authority to act'], [
    ['none', 'Ingen fullmakt', 'Inga fullmakt', 'Ingen fuldmagt', 'No mandate'],
    ['parent_of_minor', 'Forelder til mindreårig', 'Forelder til mindreårig', 'Forælder til mindreårig', 'Parent of a minor'],
    ['written_poa', 'Skriftlig fullmakt', 'Skriftleg fullmakt', 'Skriftlig fuldmagt', 'Written power of attorney'],
    ['digital_poa', 'Digital fullmakt', 'Digital fullmakt', 'Digital fuldmagt', 'Digital power of attorney'],
    ['guardian', 'Verge', 'Verje', 'Værge', 'Guardian'],
    ['lasting_poa', 'Fremtidsfullmakt', 'Framtidsfullmakt', 'Fremtidsfuldmagt', 'Lasting power of attorney'],
    ['estate_document', 'Skifteattest eller formuesfullmakt', 'Skifteattest eller formuesfullmakt', 'Skifteretsattest', 'Estate court document'],
    ['organisation_role', 'Rolle i virksomheten', 'Rolle i verksemda', 'Rolle i virksomheden', 'Role in the organisation'],
    ['guardian_outside_mandate', 'Verge, men mandatet dekker ikke saken', 'Verje, men mandatet dekkjer ikkje saka', 'Værge, men mandatet dækker ikke sagen', 'Guardian, but the mandate does not cover it'],
    ['estate_administrator', 'Bobestyrer', 'Bobestyrar', 'Bobestyrer', 'Estate administrator'],
  ]],
  ['age_band', ['Alder', 'Alder', 'Alder', 'Age'], [
    ['under_12', 'Under 12 år', 'Under 12 år', 'Under 12 år', 'Under 12'],
    ['age_12', '12 år', '12 år', '12 år', '12'],
    ['age_13_14', '13–14 år', '13–14 år', '13–14 år', '13–14'],
    ['age_15', '15 år', '15 år', '15 år', '15'],
    ['age_16_17', '16–17 år', '16–17 år', '16–17 år', '16–17'],
    ['adult', '18 år eller eldre', '18 år eller eldre', '18 år eller ældre', '18 or older'],
  ]],
];

// Every fact has "unknown": the answer "don't know".
const UNKNOWN = ['unknown', 'Vet ikke', 'Veit ikkje', 'Ved ikke', "Don't know"];

function texts(row, offset) {
  return Object.fromEntries(L.map((lang, i) => [lang, row[offset + i]]));
}

// [{id, name: {nb…}, values: [{id, label: {nb…}, country}]}], in the order
// the start form lists them.
export const VOCABULARY = FACTS.map(([id, names, values]) => ({
  id,
  name: texts(names, 0),
  values: [...values, UNKNOWN].map((v) => ({ id: v[0], label: texts(v, 1), country: v[5] || null })),
}));

const byId = new Map(VOCABULARY.map((f) => [f.id, f]));

export function factName(fact, lang) {
  return byId.get(fact)?.name[lang] ?? byId.get(fact)?.name.en ?? fact;
}

export function valueLabel(fact, value, lang) {
  const v = byId.get(fact)?.values.find((x) => x.id === value);
  return v ? v.label[lang] ?? v.label.en : value;
}

// The values worth offering for a country (all of them for an unknown one).
export function valuesFor(fact, country) {
  return (byId.get(fact)?.values || []).filter((v) => !v.country || !country || v.country === country);
}
